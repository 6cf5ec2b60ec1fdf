"""Write the fictional follow-up sessions of the sample study (sample_transcripts/).

Everything this writes is FICTIONAL: condensed sessions put together from a bank of invented
lines, invented codes of three fictional coders, and invented questionnaire scores. It exists
so that every analysis of ``socialcoder analyze`` runs on ``socialcoder demo``'s study.

What it writes (deterministic: the same files on every run, seed below):

* ``PNN_sessionSS.txt``: 27 short sessions (six patients, P01-P06, five consecutive sessions
  each, three of them the hand-written sessions already in the folder);
* ``followup_manifest.csv``: one row per new transcript (``manifest.csv`` and
  ``demo_codes.csv`` of the three hand-written sessions are left as they are);
* ``followup_codes.csv``: for each new session, the codes of its one (primary) coder, and the
  therapist-turn codes of the three hand-written sessions by all three coders;
* ``measures.csv``: per session a brief-CALPAS-like goal score, a WAI-SR-like alliance score
  and a CORE-OM-like distress score (fictional, made up from the same latent values).

The dependencies are planted so that the analyses have something to find: patients differ in
how far they take up the model (between), drift up and down from session to session (within),
goal agreement goes with concordance and against resistance, the alliance in one session lowers
distress at the next, and patient resistance follows therapist advice that is incongruent with
the model more often than other therapist turns.

Run from the checkout: ``python scripts/make_sample_sessions.py``.
"""

from __future__ import annotations

import csv
import io
import math
import random
from datetime import date, timedelta
from pathlib import Path

SEED = 20261201
HERE = Path(__file__).resolve().parents[1] / "sample_transcripts"
ORIGINAL = {
    "P01_session02.txt": ("P01", "T01", 2, "2024-03-12", ""),
    "P02_session04.vtt": ("P02", "T02", 4, "2024-04-09", "P02_session04.opus"),
    "P03_session06.txt": ("P03", "T01", 6, "2024-05-21", ""),
}
#: participant -> (therapist, first session number, uptake of the model 0..1, first date)
PATIENTS = {
    "P01": ("T01", 1, 0.80, date(2024, 3, 5)),
    "P02": ("T02", 2, 0.50, date(2024, 3, 26)),
    "P03": ("T01", 4, 0.20, date(2024, 5, 7)),
    "P04": ("T02", 1, 0.65, date(2024, 6, 4)),
    "P05": ("T03", 1, 0.35, date(2024, 6, 11)),
    "P06": ("T03", 1, 0.55, date(2024, 7, 2)),
}
SESSIONS = 5
CODERS = ("ana", "ben", "cleo")

T_MODEL = [
    "Let's link that back to the model: when you do less, the body deconditions, and then "
    "everything takes more out of you.",
    "That is the boom and bust pattern we talked about: a big day, then days to recover.",
    "A regular getting-up time helps to reset the body clock, even after a poor night.",
    "The idea is to find a baseline you can manage on a bad day and build up from there in "
    "small steps.",
    "Setbacks are expected; they are part of recovery, not a sign that the activity harmed you.",
    "Noticing every twinge keeps the attention on the symptoms; we want to widen the focus again.",
    "Rest works best when it is planned by the clock, not only when the tiredness makes you stop.",
    "So the plan is the same amount each day, good day or bad, and then a small increase.",
]
T_INCONGRUENT = [
    "If you're exhausted, maybe just rest until you feel better and then pick it up again.",
    "Listen to your body: if it hurts, stop and take it easy for a few days.",
    "On a bad day it's probably fine to skip the walk altogether.",
    "Perhaps try to get as much done as you can on the good days, while you have the energy.",
    "If you didn't sleep, have a lie-in; the routine can wait until you're stronger.",
]
T_NEUTRAL = [
    "How has the week been since we last met?",
    "Mm-hmm. Tell me more about that.",
    "What did you notice in the diary this week?",
    "How did that feel at the time?",
    "OK. What would you like to look at today?",
    "Let's write that down on the plan.",
    "How are you sleeping at the moment?",
    "That sounds like a hard week.",
    "What got in the way?",
    "Shall we look at the targets for next week?",
]
P_CONCORDANT = [
    "That makes sense, if I've done nothing for months my muscles will tire quicker.",
    "I kept to my twenty minutes even on the good days, like we said.",
    "I told my partner it's about building up slowly, not doing everything at once.",
    "I was worse on Thursday, but I think I overdid it on Tuesday, so it's a blip.",
    "I've been getting up at eight every day, and I'm falling asleep a bit easier.",
    "Maybe I could add five minutes to the walk next week and keep the rest the same.",
    "I can see the boom and bust in my diary now, it's quite clear.",
    "Planning the rest by the clock helped, I didn't end up in bed all afternoon.",
    "I did the same amount on the bad days, it was hard but it was doable.",
    "I think the deconditioning thing explains a lot of how I feel.",
]
P_INCONGRUENT = [
    "When I'm tired I just stop and lie down until it passes, that's the only thing that works.",
    "I did loads on Monday while I felt good, then I was wiped out for three days.",
    "If I don't sleep I stay in bed in the morning, I need to catch up.",
    "I'm waiting until I feel better before I start the walks again.",
    "I think I should save my energy for the important days.",
    "I go by how I feel, some days I can do everything, some days nothing.",
]
P_MILD = [
    "Yes, but I'm not sure it'll work for me, mine is different.",
    "Maybe, I'll see how I feel.",
    "I suppose I could try... I don't know.",
    "I'm not sure about raising it again so soon.",
    "It sounds fine in theory, but you don't see me on a bad day.",
    "I might, if the week is quiet.",
]
P_STRONG = [
    "No, I'm not doing the walks, I've told you.",
    "This is just telling me it's all in my head.",
    "You don't know what it's like.",
    "Honestly, I don't see how walking round the block is going to cure anything.",
]
P_NEUTRAL = [
    "Not too bad, a bit up and down.",
    "The week was busy with the children.",
    "I slept badly on Wednesday.",
    "I brought the diary, it's a bit messy.",
    "My sister came to stay at the weekend.",
    "OK.",
    "I went to the shops on Friday.",
    "It was about the same as last week.",
]
P_BOTH = [
    "I can see that, but I'm still worried it'll make me worse.",
    "I did get up at eight, but honestly I'm not convinced it's helping.",
]


def _clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def _session(rng: random.Random, uptake: float, therapist: str) -> tuple[list, float]:
    """(turns, uptake of this session): turns are (role, text, codes) with codes a dict of
    dimension -> value (binary '1', resistance mild/strong)."""
    turns: list[tuple[str, str, dict[str, str]]] = []
    p_incongruent_t = {"T01": 0.08, "T02": 0.18, "T03": 0.12}[therapist]
    opening = rng.choice(T_NEUTRAL[:1] + T_NEUTRAL[4:5])
    turns.append(("T", opening, {}))
    for _ in range(14):
        last_t = turns[-1][2] if turns[-1][0] == "T" else {}
        u = rng.random()
        if last_t.get("incongruent_advice"):
            probs = (0.15 * uptake, 0.45, 0.25 + 0.15 * (1 - uptake), 0.05)
        elif last_t.get("model_explanation"):
            probs = (0.25 + 0.5 * uptake, 0.05, 0.30 * (1 - uptake), 0.12 * (1 - uptake))
        else:
            probs = (
                0.15 + 0.4 * uptake,
                0.20 * (1 - uptake),
                0.10 * (1 - uptake),
                0.04 * (1 - uptake),
            )
        codes: dict[str, str] = {}
        cum = 0.0
        choice = "neutral"
        for name, p in zip(("conc", "inco", "mild", "strong"), probs, strict=True):
            cum += p
            if u < cum:
                choice = name
                break
        if choice == "conc":
            text, codes = rng.choice(P_CONCORDANT), {"concordance": "1"}
            if rng.random() < 0.2 * (1 - uptake):
                text, codes = rng.choice(P_BOTH), {"concordance": "1", "resistance": "mild"}
        elif choice == "inco":
            text, codes = rng.choice(P_INCONGRUENT), {"incongruent_principles": "1"}
        elif choice == "mild":
            text, codes = rng.choice(P_MILD), {"resistance": "mild"}
        elif choice == "strong":
            text, codes = rng.choice(P_STRONG), {"resistance": "strong"}
        else:
            text = rng.choice(P_NEUTRAL)
        turns.append(("P", text, codes))
        v = rng.random()
        if v < p_incongruent_t:
            turns.append(("T", rng.choice(T_INCONGRUENT), {"incongruent_advice": "1"}))
        elif v < p_incongruent_t + 0.35:
            turns.append(("T", rng.choice(T_MODEL), {"model_explanation": "1"}))
        else:
            turns.append(("T", rng.choice(T_NEUTRAL[1:]), {}))
    turns.append(("T", "Good. Same time next week, then.", {}))
    return turns, uptake


def _noisy(rng: random.Random, codes: dict[str, str], role: str) -> dict[str, str]:
    """A coder's codes: the planted ones, with an occasional miss or extra."""
    out = dict(codes)
    for dim in list(out):
        if rng.random() < 0.05:
            del out[dim]
    if role == "P" and not out and rng.random() < 0.03:
        out["resistance"] = "mild"
    return out


def _stamp(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _write_transcript(path: Path, pid: str, therapist: str, number: int, turns: list) -> None:
    lines = [
        "FICTIONAL TRANSCRIPT written for the SocialCoder project as sample data (generated by "
        "scripts/make_sample_sessions.py). Not a real patient, therapist or session.",
        f"Participant {pid}, therapist {therapist}. Session {number}, pragmatic rehabilitation "
        "for chronic fatigue syndrome (CFS/ME).",
        "Condensed transcript: a short excerpt of the session.",
    ]
    t = 5
    for role, text, _ in turns:
        lines.append(f"[{_stamp(t)}] {role}: {text}")
        t += 12 + len(text) // 4
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _original_codes(rows: list[list[str]]) -> list[list[str]]:
    """Therapist-turn codes of the three hand-written sessions (by keywords, as a coder would
    read them; cleo misses one now and then)."""
    from socialcoder.importers import read_transcript

    out = []
    words_model = ("model", "deconditioning", "baseline", "body clock", "routine", "boom")
    words_inco = ("rest until", "listen to your body", "skip")
    rng = random.Random(SEED + 1)
    for name in ORIGINAL:
        transcript = read_transcript(HERE / name)
        for i, seg in enumerate(transcript.segments, start=1):
            if seg.role.value != "therapist":
                continue
            text = seg.text.lower()
            dim = None
            if any(w in text for w in words_inco):
                dim = "incongruent_advice"
            elif any(w in text for w in words_model):
                dim = "model_explanation"
            if dim is None:
                continue
            for coder in CODERS:
                if coder == "cleo" and rng.random() < 0.15:
                    continue
                out.append([Path(name).stem, str(i), coder, dim, "1", ""])
    return rows + out


def main() -> None:
    rng = random.Random(SEED)
    manifest = [["file", "participant", "therapist", "session", "date", "media"]]
    originals = {(v[0], v[2]) for v in ORIGINAL.values()}
    header = ["transcript", "segment", "coder", "dimension", "value", "memo"]
    codes = _original_codes([])
    measures = [["participant", "session", "calpas_goal", "wai_sr", "core_om"]]
    for k, (pid, (therapist, first, uptake, start)) in enumerate(PATIENTS.items()):
        base_distress = 2.6 - 1.2 * uptake + rng.gauss(0, 0.15)
        alliance_prev = None
        for j in range(SESSIONS):
            number = first + j
            s_up = _clip(uptake + 0.04 * j + rng.gauss(0, 0.12), 0.02, 0.98)
            alliance = _clip(1.5 + 3.0 * s_up + rng.gauss(0, 0.25), 1.0, 5.0)
            distress = base_distress - 0.04 * j + rng.gauss(0, 0.12)
            if alliance_prev is not None:
                distress -= 0.45 * (alliance_prev - (1.5 + 3.0 * uptake))
            calpas = _clip(1.0 + 6.0 * s_up + rng.gauss(0, 0.4), 1.0, 7.0)
            measures.append(
                [
                    pid,
                    str(number),
                    f"{calpas:.2f}",
                    f"{alliance:.2f}",
                    f"{_clip(distress, 0.0, 4.0):.2f}",
                ]
            )
            alliance_prev = alliance
            if (pid, number) in originals:
                continue
            turns, _ = _session(rng, s_up, therapist)
            name = f"{pid}_session{number:02d}"
            _write_transcript(HERE / f"{name}.txt", pid, therapist, number, turns)
            when = start + timedelta(days=7 * j)
            manifest.append([f"{name}.txt", pid, therapist, str(number), when.isoformat(), ""])
            coder = CODERS[(k + j) % len(CODERS)]
            for i, (role, _text, planted) in enumerate(turns, start=1):
                for dim, value in sorted(_noisy(rng, planted, role).items()):
                    codes.append([name, str(i), coder, dim, value, ""])
            goal = round(_clip(1 + 6 * s_up + rng.gauss(0, 0.6), 1, 7))
            codes.append([name, "", coder, "goal_agreement", str(goal), ""])
    for target, table in (
        ("followup_manifest.csv", manifest),
        ("followup_codes.csv", [header, *codes]),
        ("measures.csv", measures),
    ):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(table)
        (HERE / target).write_text(buf.getvalue(), encoding="utf-8")
    print(
        f"{len(manifest) - 1} new transcripts, {len(codes)} codes, {len(measures) - 1} measure rows"
    )
    assert math.isfinite(SEED)


if __name__ == "__main__":
    main()
