/*
 * dashboard_text.c - the dashboard's one catalogue of texts: every label,
 * notice, alert and history wording, in English and Czech.
 *
 * A plain text's key is its English wording, so code reads as it renders
 * in English. A counted text ("%lld draft|%lld drafts") has the English
 * singular and plural and the three Czech forms (1; 2-4; 0 and 5+). Texts
 * are never used as printf formats: dash_subst() puts the one value in.
 * The unit test (tests/unit/test_dashboard_text.c) fails when a key lacks
 * a language, a form, or a placeholder, or when a page uses a key the
 * catalogue does not have; at run time a missing key is logged
 * (dashboard.untranslated), which the browser test looks for.
 */
#include "base/log.h"
#include "dashboard_impl.h"

#include <stdio.h>
#include <string.h>

#define T(english, czech)                                                      \
	{                                                                      \
		english, english, czech                                        \
	}

static const struct dash_text texts[] = {
    /* navigation, frame, login */
    T("Overview", "Přehled"),
    T("Recurring jobs", "Opakované úlohy"),
    T("Queue", "Fronta"),
    T("History", "Historie"),
    T("Server", "Server"),
    T("Log in", "Přihlásit"),
    T("Log out", "Odhlásit"),
    T("Admin password", "Heslo správce"),
    T("Wrong password.", "Špatné heslo."),
    T("Too many attempts. Wait a minute and try again.",
      "Příliš mnoho pokusů. Počkejte minutu a zkuste to znovu."),
    T("The form expired. Please try again.",
      "Formulář vypršel. Zkuste to prosím znovu."),
    T("Not found", "Nenalezeno"),
    T("Error", "Chyba"),
    T("No such page.", "Taková stránka neexistuje."),
    T("No such job.", "Taková úloha neexistuje."),
    T("Times in %s", "Časy v pásmu %s"),
    T("#", "#"),
    /* states of jobs, attempts and schedule runs */
    T("enqueued", "ve frontě"),
    T("scheduled", "naplánováno"),
    T("processing", "běží"),
    T("running", "běží"),
    T("failed", "selhalo"),
    T("dead", "mrtvé"),
    T("succeeded", "úspěch"),
    T("cancelled", "zrušeno"),
    T("skipped", "přeskočeno"),
    T("missed", "zmeškáno"),
    T("triggered", "spuštěno ručně"),
    T("lost", "ztraceno"),
    T("disabled", "vypnuto"),
    T("paused", "pozastaveno"),
    /* relative times */
    T("just now", "právě teď"),
    T("in a moment", "za chvíli"),
    T("in %s", "za %s"),
    T("%s ago", "před %s"),
    /* overview */
    T("Running now", "Právě běží"),
    T("No job is running.", "Žádná úloha neběží."),
    T("running for", "běží už"),
    T("Runs per hour, last 24 hours", "Běhy za hodinu, posledních 24 hodin"),
    T("Runs per day, last 30 days", "Běhy za den, posledních 30 dní"),
    {"%lld succeeded|%lld succeeded", "%lld succeeded|%lld succeeded",
     "%lld úspěšně|%lld úspěšně|%lld úspěšně"},
    {"%lld failed|%lld failed", "%lld failed|%lld failed",
     "%lld selhal|%lld selhaly|%lld selhalo"},
    T("Alerts", "Upozornění"),
    T("No alerts.", "Žádná upozornění."),
    T("resolved", "vyřešeno"),
    T("last error:", "poslední chyba:"),
    T("has been running longer than %s", "běží déle než %s"),
    T("ran longer than %s", "běžela déle než %s"),
    {"%lld failure in a row|%lld failures in a row",
     "%lld failure in a row|%lld failures in a row",
     "%lld selhání za sebou|%lld selhání za sebou|%lld selhání za sebou"},
    {"%lld job waiting in the queue|%lld jobs waiting in the queue",
     "%lld job waiting in the queue|%lld jobs waiting in the queue",
     "%lld úloha čeká ve frontě|%lld úlohy čekají ve frontě|"
     "%lld úloh čeká ve frontě"},
    /* queue and job */
    T("Type", "Typ"),
    T("Attempts", "Pokusy"),
    T("When", "Kdy"),
    T("Result", "Výsledek"),
    T("previous", "předchozí"),
    T("next", "další"),
    T("every type", "všechny typy"),
    T("Filter", "Filtrovat"),
    T("Job number", "Číslo úlohy"),
    T("Open", "Otevřít"),
    T("No jobs in this state.", "V tomto stavu nejsou žádné úlohy."),
    T("Job", "Úloha"),
    T("State", "Stav"),
    T("Runs at", "Spustí se"),
    T("Created", "Vytvořeno"),
    T("Started", "Začátek"),
    T("Finished", "Dokončeno"),
    T("Outcome", "Výsledek"),
    T("Duration", "Trvání"),
    T("Schedule", "Plán"),
    T("Progress", "Průběh"),
    T("Payload", "Vstupní data"),
    T("Last error", "Poslední chyba"),
    T("No attempt yet.", "Zatím žádný pokus."),
    T("Retry", "Zopakovat"),
    T("Delete", "Smazat"),
    T("Cancel", "Zrušit"),
    {"%lld attempt in all, with earlier retries|"
     "%lld attempts in all, with earlier retries",
     "%lld attempt in all, with earlier retries|"
     "%lld attempts in all, with earlier retries",
     "celkem %lld pokus i s dřívějšími|celkem %lld pokusy i s dřívějšími|"
     "celkem %lld pokusů i s dřívějšími"},
    /* notices after actions */
    T("Retried: the job is back in the queue.",
      "Zopakováno: úloha je znovu ve frontě."),
    T("Retried: the job is running now.", "Zopakováno: úloha právě běží."),
    T("Retried: it ran and failed again; another attempt follows.",
      "Zopakováno: úloha proběhla a znovu selhala; bude další pokus."),
    T("Retried: it ran again and succeeded.",
      "Zopakováno: úloha proběhla znovu a uspěla."),
    T("Retried: it ran again and died again.",
      "Zopakováno: úloha proběhla znovu a opět skončila jako mrtvá."),
    T("The job was deleted.", "Úloha byla smazána."),
    T("The job was cancelled.", "Úloha byla zrušena."),
    T("The job was enqueued.", "Úloha byla zařazena do fronty."),
    T("This job is already waiting or running.",
      "Tato úloha už čeká nebo běží."),
    T("The schedule is paused.", "Plán je pozastaven."),
    T("The schedule runs again.", "Plán opět běží."),
    T("No job has that number.", "Úloha s tímto číslem neexistuje."),
    {"%lld job is back in the queue.|%lld jobs are back in the queue.",
     "%lld job is back in the queue.|%lld jobs are back in the queue.",
     "%lld úloha je znovu ve frontě.|%lld úlohy jsou znovu ve frontě.|"
     "%lld úloh je znovu ve frontě."},
    {"%lld job deleted.|%lld jobs deleted.",
     "%lld job deleted.|%lld jobs deleted.",
     "%lld úloha smazána.|%lld úlohy smazány.|%lld úloh smazáno."},
    T("More remain: run it again.", "Další zbývají: spusťte to znovu."),
    /* bulk actions */
    T("Retry all dead jobs of this type…",
      "Zopakovat všechny mrtvé úlohy tohoto typu…"),
    T("Delete all succeeded jobs…", "Smazat všechny úspěšné úlohy…"),
    T("Retry dead jobs", "Zopakovat mrtvé úlohy"),
    T("Delete succeeded jobs", "Smazat úspěšné úlohy"),
    {"Retry %lld dead job?|Retry %lld dead jobs?",
     "Retry %lld dead job?|Retry %lld dead jobs?",
     "Zopakovat %lld mrtvou úlohu?|Zopakovat %lld mrtvé úlohy?|"
     "Zopakovat %lld mrtvých úloh?"},
    {"Delete %lld succeeded job?|Delete %lld succeeded jobs?",
     "Delete %lld succeeded job?|Delete %lld succeeded jobs?",
     "Smazat %lld úspěšnou úlohu?|Smazat %lld úspěšné úlohy?|"
     "Smazat %lld úspěšných úloh?"},
    T("Yes, retry them", "Ano, zopakovat"),
    T("Yes, delete them", "Ano, smazat"),
    T("Back", "Zpět"),
    /* recurring jobs and history */
    T("Next run", "Příští běh"),
    T("Last run", "Poslední běh"),
    T("Run now", "Spustit teď"),
    T("Pause", "Pozastavit"),
    T("Resume", "Obnovit"),
    T("Duration of the latest runs", "Trvání posledních běhů"),
    T("Planned", "Plánováno"),
    T("Detail", "Podrobnosti"),
    T("triggered by hand", "spuštěno ručně"),
    T("the previous run had not finished:", "předchozí běh ještě neskončil:"),
    {"%lld fire missed while the daemon was not running|"
     "%lld fires missed while the daemon was not running",
     "%lld fire missed while the daemon was not running|"
     "%lld fires missed while the daemon was not running",
     "%lld spuštění zmeškáno, když démon neběžel|"
     "%lld spuštění zmeškána, když démon neběžel|"
     "%lld spuštění zmeškáno, když démon neběžel"},
    /* the server page */
    T("Process", "Proces"),
    T("Version", "Verze"),
    T("Role", "Role"),
    T("leader: runs the schedules and the queue",
      "hlavní: spouští plány a frontu"),
    T("standby: another daemon leads", "záložní: vede jiný démon"),
    T("Running since", "Běží od"),
    T("Loop heartbeat", "Poslední otočka smyčky"),
    T("Database", "Databáze"),
    T("Database size", "Velikost databáze"),
    T("Free disk", "Volné místo"),
    T("Last backup", "Poslední záloha"),
    T("backups are off (Jobs.Backup.Enabled)",
      "zálohy jsou vypnuté (Jobs.Backup.Enabled)"),
    T("no backup yet", "zatím žádná záloha"),
    T("Mail", "Pošta"),
    T("last delivery worked", "poslední doručení vyšlo"),
    T("last delivery failed", "poslední doručení selhalo"),
    T("nothing sent yet", "zatím nic neodesláno"),
    T("Next fires", "Nejbližší spuštění"),
    T("No schedule is planned.", "Žádný plán není naplánován."),
    /* results in words (dashboard_results.c) */
    T("and", "a"),
    T("Nothing to do.", "Nebylo co dělat."),
    T("Deleted", "Smazáno"),
    T("Exported", "Exportováno"),
    T("Sent", "Odesláno"),
    T("Backed up %s", "Zálohováno %s"),
    T("%s in total", "celkem %s"),
    {"%lld activity record|%lld activity records",
     "%lld activity record|%lld activity records",
     "%lld záznam aktivity|%lld záznamy aktivity|%lld záznamů aktivity"},
    {"%lld old copy removed|%lld old copies removed",
     "%lld old copy removed|%lld old copies removed",
     "%lld stará kopie smazána|%lld staré kopie smazány|"
     "%lld starých kopií smazáno"},
    {"%lld draft|%lld drafts", "%lld draft|%lld drafts",
     "%lld koncept|%lld koncepty|%lld konceptů"},
    {"%lld document|%lld documents", "%lld document|%lld documents",
     "%lld dokument|%lld dokumenty|%lld dokumentů"},
    {"%lld file|%lld files", "%lld file|%lld files",
     "%lld soubor|%lld soubory|%lld souborů"},
    {"%lld file already gone|%lld files already gone",
     "%lld file already gone|%lld files already gone",
     "%lld soubor už chyběl|%lld soubory už chyběly|%lld souborů už chybělo"},
    {"%lld storage key refused|%lld storage keys refused",
     "%lld storage key refused|%lld storage keys refused",
     "%lld klíč úložiště odmítnut|%lld klíče úložiště odmítnuty|"
     "%lld klíčů úložiště odmítnuto"},
    {"%lld reminder|%lld reminders", "%lld reminder|%lld reminders",
     "%lld připomínka|%lld připomínky|%lld připomínek"},
    {"%lld expiry warning|%lld expiry warnings",
     "%lld expiry warning|%lld expiry warnings",
     "%lld varování před smazáním|%lld varování před smazáním|"
     "%lld varování před smazáním"},
    {"%lld email queued|%lld emails queued",
     "%lld email queued|%lld emails queued",
     "%lld e-mail zařazen|%lld e-maily zařazeny|%lld e-mailů zařazeno"},
    {"%lld expired export|%lld expired exports",
     "%lld expired export|%lld expired exports",
     "%lld prošlý export|%lld prošlé exporty|%lld prošlých exportů"},
    {"%lld record|%lld records", "%lld record|%lld records",
     "%lld záznam|%lld záznamy|%lld záznamů"},
    {"%lld file missing|%lld files missing",
     "%lld file missing|%lld files missing",
     "%lld soubor chyběl|%lld soubory chyběly|%lld souborů chybělo"},
    {"%lld invitation expired|%lld invitations expired",
     "%lld invitation expired|%lld invitations expired",
     "%lld pozvánka vypršela|%lld pozvánky vypršely|%lld pozvánek vypršelo"},
    {"%lld inviter notified|%lld inviters notified",
     "%lld inviter notified|%lld inviters notified",
     "%lld zvoucí upozorněn|%lld zvoucí upozorněni|%lld zvoucích upozorněno"},
    {"%lld step done|%lld steps done", "%lld step done|%lld steps done",
     "%lld krok hotov|%lld kroky hotovy|%lld kroků hotovo"},
    {"%lld read notification|%lld read notifications",
     "%lld read notification|%lld read notifications",
     "%lld přečtené oznámení|%lld přečtená oznámení|"
     "%lld přečtených oznámení"},
    {"%lld unread notification|%lld unread notifications",
     "%lld unread notification|%lld unread notifications",
     "%lld nepřečtené oznámení|%lld nepřečtená oznámení|"
     "%lld nepřečtených oznámení"},
    {"%lld expired sign-in token|%lld expired sign-in tokens",
     "%lld expired sign-in token|%lld expired sign-in tokens",
     "%lld prošlý přihlašovací token|%lld prošlé přihlašovací tokeny|"
     "%lld prošlých přihlašovacích tokenů"},
    {"%lld revoked sign-in token|%lld revoked sign-in tokens",
     "%lld revoked sign-in token|%lld revoked sign-in tokens",
     "%lld zrušený přihlašovací token|%lld zrušené přihlašovací tokeny|"
     "%lld zrušených přihlašovacích tokenů"},
    {"%lld email sent|%lld emails sent", "%lld email sent|%lld emails sent",
     "%lld e-mail odeslán|%lld e-maily odeslány|%lld e-mailů odesláno"},
    {"%lld change applied|%lld changes applied",
     "%lld change applied|%lld changes applied",
     "%lld změna použita|%lld změny použity|%lld změn použito"},
    {"%lld stale change dropped|%lld stale changes dropped",
     "%lld stale change dropped|%lld stale changes dropped",
     "%lld zastaralá změna zahozena|%lld zastaralé změny zahozeny|"
     "%lld zastaralých změn zahozeno"},
    {"%lld change to retry|%lld changes to retry",
     "%lld change to retry|%lld changes to retry",
     "%lld změna k opakování|%lld změny k opakování|%lld změn k opakování"},
    {"%lld change failed for good|%lld changes failed for good",
     "%lld change failed for good|%lld changes failed for good",
     "%lld změna definitivně selhala|%lld změny definitivně selhaly|"
     "%lld změn definitivně selhalo"},
    {"%lld summary|%lld summaries", "%lld summary|%lld summaries",
     "%lld souhrn|%lld souhrny|%lld souhrnů"},
    {"%lld user without activity|%lld users without activity",
     "%lld user without activity|%lld users without activity",
     "%lld uživatel bez aktivity|%lld uživatelé bez aktivity|"
     "%lld uživatelů bez aktivity"},
    {"%lld user already had it|%lld users already had it",
     "%lld user already had it|%lld users already had it",
     "%lld uživatel ho už měl|%lld uživatelé ho už měli|"
     "%lld uživatelů ho už mělo"},
};

const struct dash_text *dash_texts(size_t *count)
{
	*count = sizeof(texts) / sizeof(texts[0]);
	return texts;
}

const char *dash_text_find(const char *lang, const char *key)
{
	size_t i;

	for (i = 0; key && i < sizeof(texts) / sizeof(texts[0]); i++)
		if (!strcmp(texts[i].key, key))
			return !strcmp(lang, "cs") ? texts[i].cs : texts[i].en;
	return NULL;
}

const char *dash_tl(const char *lang, const char *key)
{
	const char *text = dash_text_find(lang, key);

	if (text)
		return text;
	log_event(LOG_WARN, "dashboard.untranslated", "key", key ? key : "",
		  "lang", lang, (char *)NULL);
	return key ? key : "";
}

const char *dash_t(const struct dash_page *p, const char *key)
{
	return dash_tl(p->lang, key);
}

void dash_subst(const char *form, const char *value, char *out, size_t size)
{
	const char *at = strstr(form, "%s");
	size_t skip = 2;

	if (!at) {
		at = strstr(form, "%lld");
		skip = 4;
	}
	if (!at) {
		snprintf(out, size, "%s", form);
		return;
	}
	snprintf(out, size, "%.*s%s%s", (int)(at - form), form, value,
		 at + skip);
}

/* Czech: 1 → first form; 2-4 → second; 0 and 5+ → third. English: 1 →
 * first, else second. */
static int form_index(const char *lang, long long n)
{
	long long magnitude = n < 0 ? -n : n;

	if (strcmp(lang, "cs"))
		return magnitude == 1 ? 0 : 1;
	return magnitude == 1 ? 0 : magnitude >= 2 && magnitude <= 4 ? 1 : 2;
}

void dash_plural(const char *lang, const char *key, long long n, char *out,
		 size_t size)
{
	const char *forms = dash_tl(lang, key), *end;
	char number[24], form[160];
	int index = form_index(lang, n);

	while (index > 0 && strchr(forms, '|')) {
		forms = strchr(forms, '|') + 1;
		index--;
	}
	end = strchr(forms, '|');
	snprintf(form, sizeof(form), "%.*s",
		 (int)(end ? (size_t)(end - forms) : strlen(forms)), forms);
	snprintf(number, sizeof(number), "%lld", n);
	dash_subst(form, number, out, size);
}
