"""The HTML report of one analysis run (Lead > Analysis, *Save report*): one self-contained
file with what was analysed (study, codes, codebook version, settings, software, date), the
result table, the plot as inline SVG drawn by matplotlib (:mod:`socialcoder.analysis.charts`, the
same code as the window's charts) and what the figures cannot tell. Plain HTML, no scripts, no
Qt: it can be mailed or attached to a supplement.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from socialcoder.analysis import software_versions
from socialcoder.analysis.charts import effects_svg, heatmap_svg, scatter_svg
from socialcoder.analysis.plots import residual_colour, text_colour
from socialcoder.errors import UserError
from socialcoder.export.output import prepare_output
from socialcoder.services.analysis import CorrelationRun, CountFit, LaggedRun, SequentialRun
from socialcoder.services.study import Study

Run = CorrelationRun | LaggedRun | SequentialRun

STYLE = """
body{font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}
th,td{border:1px solid #bbb;padding:3px 8px;font-size:90%;text-align:left}
th{background:#eee} td.n{text-align:right}
.meta td{border:none;padding:1px 8px}
svg{margin:0.5em 1em 1em 0;border:1px solid #ddd;max-width:100%;height:auto}
.caveat{background:#fff8e6;border-left:4px solid #e69f00;padding:0.3em 1em}
"""

#: The most scatter plots one correlation report draws (one per pair).
MAX_SCATTERS = 40

CAVEATS = {
    "correlations": (
        "Correlations describe association across sessions; they do not say which came first "
        "or that the code rate causes the rating or measure.",
        "The pooled session correlation mixes differences between patients with changes "
        "within a patient; read it beside the between-patient r (of participant means, few "
        "units) and the within-patient repeated-measures r.",
        "The 95% intervals resample participants; with few participants they are wide and "
        "themselves uncertain. p (BH) adjusts only over the pairs shown here.",
        "Code rates are per applicable turn of the chosen codes (final, consensus, a coder or "
        "the mean); their reliability limits how large any correlation can be.",
    ),
    "lagged": (
        "A within-patient effect says that sessions with more of the predictor than the "
        "patient's own average are followed by a different outcome; it is still observational "
        "and does not rule out a third variable that changes from session to session.",
        "With a lagged outcome and a random intercept the estimates carry dynamic-panel bias "
        "when a patient has few sessions; fit the R script's alternatives (lme4, RI-CLPM).",
        "The between-patient effect rests on as many units as there are patients.",
        "Without detrending, a shared trend over sessions (both improve over treatment) can "
        "appear as a within-patient effect.",
    ),
    "sequential": (
        "Pooled tables treat every turn pair as independent: the adjusted residual and the "
        "odds ratio describe the pooled sessions; the per-session Yule's Q with its "
        "participant-level interval is the inferential figure.",
        "A positive residual says the target follows the given code more often than its base "
        "rate would predict; it does not say that the given code caused it.",
        "Do not read a residual as z where an expected count is below 5 (marked *).",
        "Only transitions from the given role to the target role form the base; other pairs "
        "are structural zeros.",
    ),
}


def _e(text: object) -> str:
    return html.escape(str(text))


def _f(x: float | None, digits: int = 3) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _ci(ci: Sequence[float] | None, digits: int = 2) -> str:
    return "–" if not ci else f"[{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], numeric: int = 1) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{_e(c)}</td>" if i >= numeric else f"<td>{_e(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def kind_of(run: Run) -> str:
    if isinstance(run, CorrelationRun):
        return "correlations"
    if isinstance(run, LaggedRun):
        return "lagged"
    return "sequential"


def correlation_rows(run: CorrelationRun) -> list[list[str]]:
    """The correlation table as shown (in the window and the report); with count models, two
    more columns (:data:`COUNT_COLUMNS`)."""
    fits = {(c.x, c.y): c for c in run.count_models}
    return [
        [
            p.x,
            p.y,
            str(p.n),
            _f(p.spearman_rho, 2),
            _ci(p.ci95),
            _f(p.p),
            _f(p.p_adjusted),
            _f(p.pearson_r, 2),
            _f(p.between_r, 2),
            _f(p.within_r, 2),
            *(_count_cells(fits.get((p.x, p.y))) if run.count_family else ()),
        ]
        for p in run.result.pairs
    ]


def _count_cells(fit: CountFit | None) -> list[str]:
    if fit is None or fit.result is None:
        return ["-", "-"]
    t = fit.result.term(fit.x)
    rr = t.rate_ratio
    ci = None if t.ci95 is None else [math.exp(t.ci95[0]), math.exp(t.ci95[1])]
    return [f"{_f(rr)} {_ci(ci, 3)}" if rr is not None else "-", _f(t.p)]


#: The columns the count model adds to the correlation table (``--count-model``).
COUNT_COLUMNS = ("Rate ratio (95% CI)", "p (count)")


def correlation_headers(run: CorrelationRun) -> tuple[str, ...]:
    return CORRELATION_HEADERS + (COUNT_COLUMNS if run.count_family else ())


def count_notes(run: CorrelationRun) -> list[str]:
    """What the count models say beside their figures: the family, why a pair was not
    fitted, and the fits' own notes."""
    if not run.count_family:
        return []
    family = {"negbin": "negative binomial", "poisson": "Poisson"}[run.count_family]
    out = [
        f"Rate ratio: count model ({family}) of the code turns of y on x with the applicable "
        "turns as exposure, per unit of x; standard errors cluster-robust by participant "
        "(population-averaged; Atkins et al. 2013)"
    ]
    for c in run.count_models:
        if c.result is None:
            out.append(f"{c.x} / {c.y}: no count model: {c.refusal}")
        else:
            out += [f"{c.x} / {c.y}: {n}" for n in c.result.notes]
    return list(dict.fromkeys(out))


CORRELATION_HEADERS = (
    "x",
    "y",
    "n",
    "Spearman rho",
    "95% CI",
    "p",
    "p (BH)",
    "Pearson r",
    "between r",
    "within r",
)
LAGGED_HEADERS = ("Term", "Estimate", "SE", "95% CI", "p")
SEQUENTIAL_HEADERS = (
    "Given",
    "Target",
    "a/b/c/d",
    "P(target|given)",
    "Expected",
    "Adj. residual",
    "Yule's Q",
    "Odds ratio (95% CI)",
    "Mean session Q (95% CI)",
)


def lagged_rows(run: LaggedRun) -> list[list[str]]:
    return [
        [fe.term, _f(fe.estimate), _f(fe.se), _ci(fe.ci95, 3), _f(fe.p, 4)]
        for fe in run.result.fixed_effects
    ]


def sequential_rows(run: SequentialRun) -> list[list[str]]:
    rows = []
    for t in run.result.tables:
        s = t.table
        small = "*" if s.warnings else ""
        q = t.session_q
        rows.append(
            [
                t.given.spec,
                t.target.spec,
                f"{s.a}/{s.b}/{s.c}/{s.d}",
                _f(s.transitional_probability),
                _f(s.expected, 1),
                _f(s.adjusted_residual, 2) + small,
                _f(s.yules_q, 2),
                f"{_f(s.odds_ratio, 2)} {_ci(s.odds_ratio_ci95)}",
                f"{_f(q.mean, 2)} {_ci(q.ci95)}",
            ]
        )
    return rows


def effect_points(run: LaggedRun) -> list[tuple[str, float | None, float | None, float | None]]:
    """The lagged model's effects to plot (every term but the intercept)."""
    out = []
    for fe in run.result.fixed_effects:
        if fe.term == "intercept":
            continue
        lo, hi = (fe.ci95[0], fe.ci95[1]) if fe.ci95 else (None, None)
        out.append((fe.term, fe.estimate, lo, hi))
    return out


def heatmap_data(run: SequentialRun) -> tuple[list[str], list[str], list[list[float | None]]]:
    """Given codes (rows), target codes (columns) and the adjusted residuals, in the order
    of the result's tables."""
    rows = list(dict.fromkeys(t.given.spec for t in run.result.tables))
    cols = list(dict.fromkeys(t.target.spec for t in run.result.tables))
    z = {(t.given.spec, t.target.spec): t.table.adjusted_residual for t in run.result.tables}
    return rows, cols, [[z.get((r, c)) for c in cols] for r in rows]


def scatter_points(run: CorrelationRun, x: str, y: str) -> tuple[list[float], list[float]]:
    """The sessions' ``(x, y)`` values where both are present."""
    frame = run.table.frame[[x, y]].astype(float).dropna()
    return frame[x].tolist(), frame[y].tolist()


def _settings(run: Run) -> list[tuple[str, str]]:
    if isinstance(run, CorrelationRun):
        r = run.result
        return [
            ("Data", f"{r.sessions} sessions of {r.participants} participants"),
            ("Rate", r.rate),
            (
                "Interval",
                f"bootstrap, {r.n_boot} replicates resampling participants, seed {r.seed}",
            ),
            *(
                [("Count model", run.count_family + ", applicable turns as exposure")]
                if run.count_family
                else []
            ),
        ]
    if isinstance(run, LaggedRun):
        lr = run.result
        spec = lr.spec
        return [
            (
                "Model",
                f"{spec.outcome} at t+1 on {spec.predictor} at t, control {spec.control} at t"
                + (", detrended" if spec.detrend else "")
                + (", random slope" if spec.random_slope else "")
                + (", therapist level" if spec.therapist else ""),
            ),
            (
                "Data",
                f"{lr.n_observations} session pairs of {lr.n_participants} participants",
            ),
            ("Converged", "yes" if lr.converged else "NO"),
        ]
    sr = run.result
    return [
        (
            "Base",
            f"{sr.given_role} -> {sr.target_role} turn pairs at lag {sr.lag}: {sr.base_pairs} "
            f"pairs in {sr.sessions} sessions of {sr.participants} participants",
        ),
        (
            "Interval",
            f"session Q: bootstrap, {sr.n_boot} replicates resampling participants, seed {sr.seed}",
        ),
    ]


def report_html(
    run: Run, *, pairs: Sequence[tuple[str, str]] | None = None, now: datetime | None = None
) -> str:
    """The report of ``run`` (see the module doc). For correlations, ``pairs`` chooses the
    scatter plots (default: every pair shown, up to :data:`MAX_SCATTERS`)."""
    kind = kind_of(run)
    inputs = run.inputs
    stamp = (now or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip()
    titles = {
        "correlations": "Session rates and correlations",
        "lagged": "Within and between patients (lagged model)",
        "sequential": "Sequential analysis",
    }
    meta: list[tuple[str, str]] = [
        ("Study", inputs.study),
        ("Codebook", f"{inputs.codebook.name}, version {inputs.codebook_version}"),
        ("Codes", inputs.codes),
    ]
    if inputs.final_counts is not None:
        c = inputs.final_counts.to_json()
        meta.append(
            (
                "Final layer",
                f"{c['from_consensus']} value(s) from consensus, {c['from_single_coders']} "
                "from single coders",
            )
        )
    meta += _settings(run)
    soft = software_versions()
    meta.append(("Software", ", ".join(f"{k} {v}" for k, v in soft.items())))
    meta.append(("Computed", stamp))
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(titles[kind])}: {_e(inputs.study)}</title><style>{STYLE}</style></head>",
        f"<body><h1>{_e(titles[kind])}</h1><table class='meta'>",
        "".join(f"<tr><td><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>" for k, v in meta),
        "</table>",
    ]
    notes: list[str] = []
    if isinstance(run, CorrelationRun):
        parts.append(_table(correlation_headers(run), correlation_rows(run), numeric=2))
        parts.append(
            "<p>95% CI: bootstrap over participants; p (BH): Benjamini-Hochberg over the pairs "
            "shown; between r: of participant means; within r: repeated-measures correlation "
            "(rmcorr).</p><h2>Plots</h2>"
        )
        chosen = list(pairs) if pairs else [(p.x, p.y) for p in run.result.pairs]
        for x, y in chosen[:MAX_SCATTERS]:
            xs, ys = scatter_points(run, x, y)
            parts.append(scatter_svg(xs, ys, x_label=x, y_label=y, title=f"{y} by {x}"))
        if len(chosen) > MAX_SCATTERS:
            notes.append(f"plots of the first {MAX_SCATTERS} of {len(chosen)} pairs")
        notes += [f"{p.x} / {p.y}: {n}" for p in run.result.pairs for n in p.notes]
        notes += count_notes(run)
    elif isinstance(run, LaggedRun):
        lr = run.result
        parts.append(_table(LAGGED_HEADERS, lagged_rows(run)))
        rnd = [(k, _f(v, 4)) for k, v in lr.random_effects.items()]
        if rnd:
            parts.append("<h2>Random effects (variances)</h2>" + _table(("Term", "Value"), rnd))
        parts.append(
            effects_svg(
                effect_points(run), title="Fixed effects with 95% intervals (intercept left out)"
            )
        )
        notes += [*lr.notes, *lr.warnings, lr.dynamic_panel_note]
    else:
        sr = run.result
        parts.append(_table(SEQUENTIAL_HEADERS, sequential_rows(run), numeric=2))
        if any(t.table.warnings for t in sr.tables):
            parts.append("<p>* an expected count is below 5: do not read this residual as z.</p>")
        rows, cols, values = heatmap_data(run)
        parts.append("<h2>Adjusted residuals</h2>")
        parts.append(
            heatmap_svg(
                rows,
                cols,
                values,
                title=f"{sr.given_role} (t) -> {sr.target_role} (t+{sr.lag})",
            )
        )
        parts.append(_legend())
    if isinstance(run, (CorrelationRun, LaggedRun)) and run.reliability:
        from socialcoder.services.predictor_reliability import (
            RELIABILITY_HEADERS,
            RELIABILITY_NOTE,
            reliability_rows,
        )

        parts.append("<h2>Reliability of the analysed scores</h2>")
        parts.append(_table(RELIABILITY_HEADERS, reliability_rows(run.reliability), numeric=9))
        parts.append(f"<p>{_e(RELIABILITY_NOTE)}</p>")
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    parts.append("<h2>What these figures cannot tell</h2><div class='caveat'><ul>")
    parts.append("".join(f"<li>{_e(c)}</li>" for c in CAVEATS[kind]))
    parts.append("</ul></div></body></html>\n")
    return "".join(parts)


def _legend() -> str:
    cells = []
    for z in (-4.0, -1.96, 0.0, 1.96, 4.0):
        bg = residual_colour(z)
        cells.append(f"<td style='background:{bg};color:{text_colour(bg)}' class='n'>{z:+.2f}</td>")
    return (
        "<table><tr><th>Colour scale (z)</th>" + "".join(cells) + "</tr></table>"
        "<p>Orange: the target follows the given code more often than expected; blue: less "
        "often; grey: undefined.</p>"
    )


def report_path(path: str | Path) -> Path:
    """``path`` with ``.html`` added unless it ends in .html or .htm."""
    p = Path(path)
    return p if p.suffix.lower() in (".html", ".htm") else p.with_name(p.name + ".html")


def save_report(
    study: Study,
    run: Run,
    path: str | Path,
    *,
    pairs: Sequence[tuple[str, str]] | None = None,
    force: bool = False,
) -> Path:
    """Write :func:`report_html` to ``path`` (``.html`` added); an existing file is replaced
    only with ``force``; the study's own files are refused."""
    target = report_path(path)
    out = prepare_output(target, fmt="html", force=force, protect=study.files)
    text = report_html(run, pairs=pairs)
    with out.writing() as tmp:
        tmp.write_text(text, encoding="utf-8")
    if out.path is None:  # pragma: no cover - a file name is always given here
        raise UserError("the report needs a file name")
    return out.path
