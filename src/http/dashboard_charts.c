/*
 * dashboard_charts.c - inline SVG charts that need no script: stacked bars
 * of succeeded and failed runs with a y-axis of round values, labels under
 * the ticks the caller chose and a hover <title> per bar; and the per-job
 * sparkline of run durations.
 *
 * The SVG is scaled to the width of its box (viewBox, no fixed size), so
 * the same markup fits a desktop and a 375 px phone.
 */
#include "base/buf.h"
#include "dashboard_impl.h"
#include "http/html.h"

#include <stdio.h>

#define CHART_W 720
#define CHART_H 150
#define AXIS_W 40 /* room for the y-axis labels left of the bars */
#define LABEL_H 16
#define TOP 8
#define RIGHT 24 /* room for the last label */

int64_t dash_round_step(int64_t max, int ticks)
{
	static const int64_t mantissas[] = {1, 2, 5};
	int64_t power = 1;
	size_t i;

	if (max <= 0 || ticks <= 0)
		return 1;
	for (;;) {
		for (i = 0; i < sizeof(mantissas) / sizeof(mantissas[0]); i++)
			if (mantissas[i] * power * ticks >= max)
				return mantissas[i] * power;
		if (power > INT64_MAX / 100)
			return power * 10;
		power *= 10;
	}
}

static void y_axis(struct dash_page *p, int64_t top, int64_t step, double scale)
{
	int64_t v;

	for (v = 0; v <= top; v += step) {
		double y = TOP + CHART_H - (double)v * scale;
		buf_printf(
		    p->out,
		    "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
		    "y2=\"%.1f\"/><text class=\"y\" x=\"%d\" y=\"%.1f\" "
		    "text-anchor=\"end\">%lld</text>",
		    AXIS_W, y, CHART_W, y, AXIS_W - 4, y + 4, (long long)v);
	}
}

static void bar(struct dash_page *p, const struct dash_bar *b, double x,
		double w, double scale)
{
	double ok_h = (double)b->succeeded * scale,
	       bad_h = (double)b->failed * scale, base = TOP + CHART_H;

	/* The whole slot takes the hover, however small the bar. */
	buf_puts(p->out, "<g class=\"bar\"><title>");
	html_text(p->out, b->title);
	buf_printf(p->out,
		   "</title><rect class=\"hover\" x=\"%.1f\" y=\"%d\" "
		   "width=\"%.1f\" height=\"%d\"/>",
		   x, TOP, w, CHART_H);
	if (ok_h > 0)
		buf_printf(p->out,
			   "<rect class=\"ok\" x=\"%.1f\" y=\"%.1f\" "
			   "width=\"%.1f\" height=\"%.1f\"/>",
			   x + w * 0.1, base - ok_h, w * 0.8, ok_h);
	if (bad_h > 0)
		buf_printf(p->out,
			   "<rect class=\"bad\" x=\"%.1f\" y=\"%.1f\" "
			   "width=\"%.1f\" height=\"%.1f\"/>",
			   x + w * 0.1, base - ok_h - bad_h, w * 0.8, bad_h);
	if (b->label[0]) {
		buf_printf(p->out,
			   "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" "
			   "x2=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" y=\"%d\" "
			   "text-anchor=\"middle\">",
			   x + w / 2, base, x + w / 2, base + 4, x + w / 2,
			   TOP + CHART_H + LABEL_H - 2);
		html_text(p->out, b->label);
		buf_puts(p->out, "</text>");
	}
	buf_puts(p->out, "</g>");
}

void dash_chart(struct dash_page *p, const char *title,
		const struct dash_bar *bars, int n)
{
	int64_t max = 0, step, top;
	double slot = (double)(CHART_W - AXIS_W) / n, scale;
	int i;

	for (i = 0; i < n; i++)
		if (bars[i].succeeded + bars[i].failed > max)
			max = bars[i].succeeded + bars[i].failed;
	step = dash_round_step(max, 4);
	top = max > 0 ? (max + step - 1) / step * step : step;
	scale = (double)CHART_H / (double)top;
	buf_puts(p->out, "<figure class=\"chart\"><figcaption>");
	html_text(p->out, dash_t(p, title));
	buf_puts(p->out, " <span class=\"legend ok\">");
	html_text(p->out, dash_t(p, "succeeded"));
	buf_puts(p->out, "</span> <span class=\"legend bad\">");
	html_text(p->out, dash_t(p, "failed"));
	buf_printf(
	    p->out,
	    "</span></figcaption><svg viewBox=\"0 0 %d %d\" role=\"img\">",
	    CHART_W + RIGHT, TOP + CHART_H + LABEL_H);
	y_axis(p, top, step, scale);
	for (i = 0; i < n; i++)
		bar(p, &bars[i], AXIS_W + i * slot, slot, scale);
	buf_puts(p->out, "</svg></figure>");
}

void dash_sparkline(struct dash_page *p, const int64_t *values, int n,
		    const char *title)
{
	int64_t max = 1;
	int i;

	if (n < 2)
		return;
	for (i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	buf_puts(p->out, "<svg class=\"spark\" viewBox=\"0 0 100 24\" "
			 "preserveAspectRatio=\"none\" role=\"img\"><title>");
	html_text(p->out, title);
	buf_puts(p->out, "</title><polyline points=\"");
	for (i = 0; i < n; i++)
		buf_printf(p->out, "%s%.1f,%.1f", i ? " " : "",
			   100.0 * i / (n - 1),
			   22.0 - 20.0 * (double)values[i] / (double)max);
	buf_puts(p->out, "\"/></svg>");
}
