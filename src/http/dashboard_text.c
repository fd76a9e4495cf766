/*
 * dashboard_text.c - the dashboard's Czech texts.
 *
 * The English text is the key: code reads as it renders in English, and
 * a text missing here shows in English rather than as a key name.
 */
#include "dashboard_impl.h"

#include <string.h>

static const char *const czech[][2] = {
    {"Overview", "Přehled"},
    {"Recurring jobs", "Opakované úlohy"},
    {"Queue", "Fronta"},
    {"History", "Historie"},
    {"Log in", "Přihlásit"},
    {"Log out", "Odhlásit"},
    {"Admin password", "Heslo správce"},
    {"Wrong password.", "Špatné heslo."},
    {"Too many attempts. Wait a minute and try again.",
     "Příliš mnoho pokusů. Počkejte minutu a zkuste to znovu."},
    {"The form expired. Please try again.",
     "Formulář vypršel. Zkuste to prosím znovu."},
    {"Not found", "Nenalezeno"},
    {"Error", "Chyba"},
    {"No such page.", "Taková stránka neexistuje."},
    {"No such job.", "Taková úloha neexistuje."},
    {"enqueued", "ve frontě"},
    {"scheduled", "naplánováno"},
    {"processing", "běží"},
    {"running", "běží"},
    {"failed", "selhalo"},
    {"dead", "mrtvé"},
    {"succeeded", "úspěch"},
    {"cancelled", "zrušeno"},
    {"skipped", "přeskočeno"},
    {"missed", "zmeškáno"},
    {"triggered", "spuštěno ručně"},
    {"lost", "ztraceno"},
    {"interrupted", "přerušeno"},
    {"disabled", "vypnuto"},
    {"paused", "pozastaveno"},
    {"Running now", "Právě běží"},
    {"No job is running.", "Žádná úloha neběží."},
    {"since", "od"},
    {"Runs per hour, last 24 hours (UTC)",
     "Běhy za hodinu, posledních 24 hodin (UTC)"},
    {"Runs per day, last 30 days", "Běhy za den, posledních 30 dní"},
    {"Alerts", "Upozornění"},
    {"No alerts.", "Žádná upozornění."},
    {"resolved", "vyřešeno"},
    {"Type", "Typ"},
    {"Attempts", "Pokusy"},
    {"Run at", "Spustit v"},
    {"Last error", "Poslední chyba"},
    {"No jobs in this state.", "V tomto stavu nejsou žádné úlohy."},
    {"previous", "předchozí"},
    {"next", "další"},
    {"Job", "Úloha"},
    {"State", "Stav"},
    {"Created", "Vytvořeno"},
    {"Finished", "Dokončeno"},
    {"Started", "Začátek"},
    {"Outcome", "Výsledek"},
    {"Duration", "Trvání"},
    {"Schedule", "Plán"},
    {"Progress", "Průběh"},
    {"Payload", "Vstupní data"},
    {"Result", "Výsledek"},
    {"Retry", "Zopakovat"},
    {"Delete", "Smazat"},
    {"Cancel", "Zrušit"},
    {"When", "Kdy"},
    {"Time zone", "Časové pásmo"},
    {"Next run", "Příští běh"},
    {"Last run", "Poslední běh"},
    {"Last result", "Poslední výsledek"},
    {"Run now", "Spustit teď"},
    {"Pause", "Pozastavit"},
    {"Resume", "Obnovit"},
    {"Planned", "Plánováno"},
    {"Detail", "Podrobnosti"},
    {"The job is enqueued again.", "Úloha je znovu ve frontě."},
    {"The job was deleted.", "Úloha byla smazána."},
    {"The job was cancelled.", "Úloha byla zrušena."},
    {"The job was enqueued.", "Úloha byla zařazena do fronty."},
    {"This job is already waiting or running.",
     "Tato úloha už čeká nebo běží."},
    {"The schedule is paused.", "Plán je pozastaven."},
    {"The schedule runs again.", "Plán opět běží."},
};

const char *dash_t(const struct dash_page *p, const char *english)
{
	size_t i;

	if (strcmp(p->lang, "cs") != 0)
		return english;
	for (i = 0; i < sizeof(czech) / sizeof(czech[0]); i++)
		if (!strcmp(czech[i][0], english))
			return czech[i][1];
	return english;
}
