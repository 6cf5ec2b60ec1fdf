"""The SQL that a PostgreSQL study runs in server mode: coders' functions and the audit triggers.

``socialcoder server setup`` installs these (``CREATE OR REPLACE``) and makes the study's table
owner their owner. Every function is ``SECURITY DEFINER`` with a fixed ``search_path``
(``pg_catalog, public, pg_temp``: nothing a coder creates can stand in for a table, function or
operator used here) and refers to tables by their qualified names.

*Coders* have no privilege on ``codes``, ``segment_memos``, ``completions``, ``assignments``,
``coders`` or ``audit_log``. They read and write their own rows only through the ``sc_*``
functions below, which take the coder from the login (``session_user``, linked through
``coders.db_role``). Because a ``SECURITY DEFINER`` function is never inlined into the
caller's query, a coder's own conditions never reach those tables' indexes: what the planner
and ``EXPLAIN ANALYZE`` can show a coder is the function's result, i.e. her own rows.

*The audit log* is written by the database: statement-level triggers on ``codes``,
``segment_memos``, ``completions`` and ``assignments`` record every change with ``now()`` and
the login (``session_user``), whoever makes it (a coder through the functions, a lead with
SocialCoder or psql, the owner). Nobody but the owner may insert into ``audit_log`` directly.
A program may say *why* (``SELECT set_config('socialcoder.action', 'merge', true)`` and
``socialcoder.reason``, for the rest of its transaction); the coders' functions set both
themselves, so a coder cannot label her own changes.
"""

from __future__ import annotations

SCHEMA = "public"
#: tables whose rows belong to coders: no coder's login may hold any privilege on them (it reads
#: and writes its own rows through the functions below); row-level security too
SECRET = ("codes", "segment_memos", "completions", "assignments", "audit_log", "coders",
          "session_measures")  # fmt: skip
SEARCH_PATH = f"pg_catalog, {SCHEMA}, pg_temp"
#: the actions a program may state for a table's changes (else the trigger names the change
#: itself: set, clear, memo, complete, reopen, assign, unassign)
STATED = {"codes": ("import", "consensus", "merge"), "segment_memos": ("merge",),
          "completions": ("merge",), "assignments": ()}  # fmt: skip
#: the functions coders may execute (name, argument types)
CODER_FUNCTIONS = (
    ("sc_me", ""),
    ("sc_my_codes", "integer"),
    ("sc_my_memos", "integer"),
    ("sc_my_completions", ""),
    ("sc_my_assignments", ""),
    ("sc_my_changes", ""),
    ("sc_transcripts", ""),
    ("sc_recordings", ""),
    ("sc_set_code", "integer, integer, integer, text, text, boolean"),
    ("sc_clear_code", "integer, integer, integer"),
    ("sc_set_memo", "integer, text"),
    ("sc_set_completed", "integer, boolean"),
)
#: tables whose changes the server audits, with their trigger function
AUDITED = (
    ("codes", "sc_audit_codes"),
    ("segment_memos", "sc_audit_memos"),
    ("completions", "sc_audit_completions"),
    ("assignments", "sc_audit_assignments"),
)
INTERNAL_FUNCTIONS = (
    ("sc_my_coder", ""),
    ("sc_stated_action", "text, text[]"),
    *((fn, "") for _, fn in AUDITED),
)

_HEAD = f"SECURITY DEFINER SET search_path = {SEARCH_PATH}"


def _definer(name: str, args: str, returns: str, body: str, *, lang: str = "plpgsql",
             volatility: str = "VOLATILE") -> str:  # fmt: skip
    return (
        f"CREATE OR REPLACE FUNCTION {SCHEMA}.{name}({args}) RETURNS {returns} "
        f"LANGUAGE {lang} {volatility} {_HEAD} AS $sc$\n{body}\n$sc$"
    )


_ME = """
DECLARE found integer;
BEGIN
    SELECT c.id INTO found FROM public.coders c
     WHERE c.db_role = session_user::text AND c.kind = 'coder';
    IF found IS NULL THEN
        RAISE EXCEPTION 'login "%" is not linked to a coder of this study', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN found;
END"""

_STATED = """
DECLARE stated text := nullif(current_setting('socialcoder.action', true), '');
BEGIN
    IF stated IS NOT NULL AND stated = ANY (accepted) THEN
        RETURN stated;
    END IF;
    RETURN fallback;
END"""


def _action(table: str, fallback: str) -> str:
    accepted = ", ".join(repr(a) for a in STATED[table])
    return f"public.sc_stated_action('{fallback}', ARRAY[{accepted}]::text[])"


def _say(action: str) -> str:
    """What a coder's function does first: state its own action (and no reason)."""
    return (
        f"PERFORM set_config('socialcoder.action', '{action}', true);\n"
        "    PERFORM set_config('socialcoder.reason', '', true);"
    )


_READS = {
    "sc_me": (
        "",
        "TABLE (coder_id integer, name text)",
        "SELECT c.id, c.name::text FROM public.coders c WHERE c.id = public.sc_my_coder()",
    ),
    "sc_my_completions": (
        "",
        "TABLE (coder_id integer, transcript_id integer, completed_at timestamptz)",
        "SELECT c.coder_id, c.transcript_id, c.completed_at FROM public.completions c"
        " WHERE c.coder_id = public.sc_my_coder()",
    ),
    "sc_my_assignments": (
        "",
        "TABLE (coder_id integer, transcript_id integer, purpose text, assigned_at timestamptz)",
        # covert double coding: a coder learns that a transcript is hers, never why
        # (primary or reliability coding); the column keeps its name and type
        "SELECT a.coder_id, a.transcript_id, 'assigned'::text, a.assigned_at"
        " FROM public.assignments a WHERE a.coder_id = public.sc_my_coder()",
    ),
    # how many audit entries are about the caller's work (grows with every change of her
    # codes, memos, completions or assignments, by whomever): her window's cue to re-read.
    # A count of her own entries, read through the index that starts with the coder; the
    # entries' ids (whose gaps would count other coders' work) are not shown.
    "sc_my_changes": (
        "",
        "bigint",
        "SELECT count(*) FROM public.audit_log a WHERE a.coder_id = public.sc_my_coder()",
    ),
}


#: transcripts as a coder may see them: with the study setting ``blinding`` on, the masked
#: label stands for the name and nothing identifies the session (participant, therapist,
#: number, date, source file, recording, the file's header lines); coders hold no privilege
#: on those columns of ``transcripts`` (only id, label, format and segment_count)
_BLIND = "coalesce((SELECT s.value = 'on' FROM public.study_settings s WHERE s.name = 'blinding'), false)"
TRANSCRIPT_COLUMNS = (
    ("id", "integer", "t.id"),
    ("name", "text", "CASE WHEN b.blind THEN t.label ELSE t.name END::text"),
    ("label", "text", "t.label::text"),
    ("participant", "text", "CASE WHEN b.blind THEN NULL ELSE t.participant END::text"),
    ("therapist", "text", "CASE WHEN b.blind THEN NULL ELSE t.therapist END::text"),
    ("session_number", "integer", "CASE WHEN b.blind THEN NULL ELSE t.session_number END"),
    ("session_date", "date", "CASE WHEN b.blind THEN NULL ELSE t.session_date END"),
    ("source_name", "text", "CASE WHEN b.blind THEN '' ELSE t.source_name END::text"),
    ("format", "text", "t.format::text"),
    ("preamble", "text", "CASE WHEN b.blind THEN '' ELSE t.preamble END::text"),
    ("segment_count", "integer", "t.segment_count"),
    ("imported_at", "timestamptz", "CASE WHEN b.blind THEN NULL ELSE t.imported_at END"),
)
#: the columns of ``transcripts`` a coder may read directly (nothing identifying)
CODER_TRANSCRIPT_COLUMNS = ("id", "label", "format", "segment_count")
_READS["sc_transcripts"] = (
    "",
    "TABLE (" + ", ".join(f"{n} {t}" for n, t, _ in TRANSCRIPT_COLUMNS) + ")",
    "SELECT "
    + ", ".join(e for _, _, e in TRANSCRIPT_COLUMNS)
    + f" FROM public.transcripts t CROSS JOIN (SELECT {_BLIND} AS blind) b ORDER BY 2",
)

#: recordings as a coder may see them: those of the transcripts assigned to her, by content
#: (size, duration, SHA-256: her machine finds its own copy in its media folders by hash),
#: never the stored path (where the lead's machine keeps it; paths and folder names name
#: sessions); with blinding on, the file name and the time of attaching are masked too.
#: Coders hold no privilege on ``recordings`` itself.
RECORDING_COLUMNS = (
    ("transcript_id", "integer", "r.transcript_id"),
    ("file_name", "text", "CASE WHEN b.blind THEN '' ELSE r.file_name END::text"),
    ("kind", "text", "r.kind::text"),
    ("format", "text", "r.format::text"),
    ("size_bytes", "bigint", "r.size_bytes"),
    ("duration_s", "double precision", "r.duration_s"),
    ("sha256", "text", "r.sha256::text"),
    ("excerpt_start_s", "double precision", "r.excerpt_start_s"),
    ("excerpt_end_s", "double precision", "r.excerpt_end_s"),
    ("excerpt_seed", "bigint", "r.excerpt_seed"),
    ("attached_at", "timestamptz", "CASE WHEN b.blind THEN NULL ELSE r.attached_at END"),
)
_READS["sc_recordings"] = (
    "",
    "TABLE (" + ", ".join(f"{n} {t}" for n, t, _ in RECORDING_COLUMNS) + ")",
    "SELECT "
    + ", ".join(e for _, _, e in RECORDING_COLUMNS)
    + f" FROM public.recordings r CROSS JOIN (SELECT {_BLIND} AS blind) b"
    " WHERE r.transcript_id IN (SELECT a.transcript_id FROM public.assignments a"
    " WHERE a.coder_id = public.sc_my_coder()) ORDER BY 1",
)


def _mine(columns: str, source: str, transcript: str, parts: tuple[str, ...] = ("",)) -> str:
    """A plpgsql body returning the caller's rows, of one transcript or of all, each through an
    index that starts with the coder (``parts``: conditions matching partial indexes), so that
    the pages read, and the time taken, depend on the caller's own rows only (a sequential
    scan would tell the table's size through ``EXPLAIN (ANALYZE, BUFFERS)`` or a stopwatch)."""
    everything = " UNION ALL ".join(
        f"SELECT {columns} FROM {source} WHERE x.coder_id = me{part}" for part in parts
    )
    return f"""
DECLARE me integer := public.sc_my_coder();
BEGIN
    IF p_transcript IS NULL THEN
        RETURN QUERY {everything};
    ELSE
        RETURN QUERY SELECT {columns} FROM {source}
         WHERE {transcript} = p_transcript AND x.coder_id = me;
    END IF;
END"""


_MY_ROWS = {
    "sc_my_codes": (
        "TABLE (coder_id integer, transcript_id integer, segment_id integer, "
        "dimension_id integer, value text, memo text, codebook_version_id integer, "
        "created_at timestamptz, updated_at timestamptz)",
        _mine(
            "x.coder_id, x.transcript_id, x.segment_id, x.dimension_id, x.value::text, x.memo, "
            "x.codebook_version_id, x.created_at, x.updated_at",
            "public.codes x",
            "x.transcript_id",
            (" AND x.segment_id IS NOT NULL", " AND x.segment_id IS NULL"),
        ),
    ),
    "sc_my_memos": (
        "TABLE (coder_id integer, segment_id integer, transcript_id integer, text text, "
        "updated_at timestamptz)",
        _mine(
            "x.coder_id, x.segment_id, s.transcript_id, x.text, x.updated_at",
            "public.segment_memos x JOIN public.segments s ON s.id = x.segment_id",
            "s.transcript_id",
        ),
    ),
}

_SET_CODE = f"""
DECLARE
    me integer := public.sc_my_coder();
    cur public.codes%ROWTYPE;
    listed boolean;
    place text := 'session';
    memo_new text;
BEGIN
    {_say("set")}
    SELECT d.enumerated INTO listed FROM public.dimensions d WHERE d.id = p_dimension;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no dimension %', p_dimension USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NOT listed AND (p_value !~ '^[-+]?[0-9]*[.]?[0-9]+([eE][-+]?[0-9]+)?$') THEN
        RAISE EXCEPTION 'a value of this dimension is a number, not %', quote_literal(p_value)
            USING ERRCODE = 'check_violation';
    END IF;
    IF p_segment IS NULL THEN
        SELECT * INTO cur FROM public.codes c WHERE c.coder_id = me
           AND c.dimension_id = p_dimension AND c.transcript_id = p_transcript
           AND c.segment_id IS NULL FOR UPDATE;
    ELSE
        SELECT s.role INTO place FROM public.segments s
         WHERE s.id = p_segment AND s.transcript_id = p_transcript;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no segment % in transcript %', p_segment, p_transcript
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        SELECT * INTO cur FROM public.codes c WHERE c.coder_id = me
           AND c.dimension_id = p_dimension AND c.segment_id = p_segment FOR UPDATE;
    END IF;
    memo_new := CASE WHEN p_keep_memo THEN cur.memo ELSE nullif(p_memo, '') END;
    old_value := cur.value;
    old_memo := cur.memo;
    new_memo := memo_new;
    IF cur.id IS NULL THEN
        INSERT INTO public.codes (coder_id, transcript_id, segment_id, dimension_id,
            dim_enumerated, unit_role, value, value_enum, memo, codebook_version_id,
            created_at, updated_at)
        VALUES (me, p_transcript, p_segment, p_dimension, listed, place, p_value,
            CASE WHEN listed THEN p_value END, memo_new,
            (SELECT max(v.id) FROM public.codebook_versions v), now(), now());
    ELSIF (cur.value::text, cur.memo) IS DISTINCT FROM (p_value, memo_new) THEN
        UPDATE public.codes SET value = p_value, value_enum = CASE WHEN listed THEN p_value END,
            memo = memo_new, updated_at = now(),
            codebook_version_id = (SELECT max(v.id) FROM public.codebook_versions v)
         WHERE id = cur.id;
    END IF;
    RETURN NEXT;
END"""

_CLEAR_CODE = f"""
DECLARE
    me integer := public.sc_my_coder();
    cur public.codes%ROWTYPE;
BEGIN
    {_say("clear")}
    IF p_segment IS NULL THEN
        SELECT * INTO cur FROM public.codes c WHERE c.coder_id = me
           AND c.dimension_id = p_dimension AND c.transcript_id = p_transcript
           AND c.segment_id IS NULL FOR UPDATE;
    ELSE
        SELECT * INTO cur FROM public.codes c WHERE c.coder_id = me
           AND c.dimension_id = p_dimension AND c.segment_id = p_segment
           AND c.transcript_id = p_transcript FOR UPDATE;
    END IF;
    old_value := cur.value;
    old_memo := cur.memo;
    IF cur.id IS NOT NULL THEN
        DELETE FROM public.codes WHERE id = cur.id;
    END IF;
    RETURN NEXT;
END"""

_SET_MEMO = f"""
DECLARE
    me integer := public.sc_my_coder();
    cur public.segment_memos%ROWTYPE;
    wanted text := nullif(p_text, '');
BEGIN
    {_say("memo")}
    PERFORM 1 FROM public.segments s WHERE s.id = p_segment;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no segment %', p_segment USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT * INTO cur FROM public.segment_memos m
     WHERE m.coder_id = me AND m.segment_id = p_segment FOR UPDATE;
    old_text := cur.text;
    new_text := wanted;
    IF cur.id IS NULL AND wanted IS NOT NULL THEN
        INSERT INTO public.segment_memos (coder_id, segment_id, text, updated_at)
        VALUES (me, p_segment, wanted, now());
    ELSIF cur.id IS NOT NULL AND wanted IS NULL THEN
        DELETE FROM public.segment_memos WHERE id = cur.id;
    ELSIF cur.id IS NOT NULL AND cur.text IS DISTINCT FROM wanted THEN
        UPDATE public.segment_memos SET text = wanted, updated_at = now() WHERE id = cur.id;
    END IF;
    RETURN NEXT;
END"""

_SET_COMPLETED = """
DECLARE
    me integer := public.sc_my_coder();
    was boolean;
BEGIN
    PERFORM set_config('socialcoder.action',
                       CASE WHEN p_completed THEN 'complete' ELSE 'reopen' END, true);
    PERFORM set_config('socialcoder.reason', '', true);
    PERFORM 1 FROM public.transcripts t WHERE t.id = p_transcript;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no transcript %', p_transcript USING ERRCODE = 'foreign_key_violation';
    END IF;
    PERFORM 1 FROM public.completions c
     WHERE c.coder_id = me AND c.transcript_id = p_transcript FOR UPDATE;
    was := FOUND;
    IF p_completed AND NOT was THEN
        INSERT INTO public.completions (coder_id, transcript_id, completed_at)
        VALUES (me, p_transcript, now());
    ELSIF was AND NOT p_completed THEN
        DELETE FROM public.completions
         WHERE coder_id = me AND transcript_id = p_transcript;
    END IF;
    RETURN was;
END"""

# --- the audit triggers (statement level, transition tables: one INSERT per statement) ------

_AUDIT_INSERT = (
    "INSERT INTO public.audit_log (at, actor, action, coder_id, transcript_id, segment_idx, "
    "dimension_key, old_value, new_value, reason) "
)
_WHY = "nullif(current_setting('socialcoder.reason', true), '')"


def _audit_codes() -> str:
    def entries(rows: str, action: str, old: str, new: str, where: str = "") -> str:
        return (
            f"{_AUDIT_INSERT}SELECT now(), session_user, {_action('codes', action)}, "
            f"{rows}.coder_id, {rows}.transcript_id, s.idx, d.key, {old}, {new}, {_WHY} "
            f"FROM {'new' if rows == 'n' else 'old'}_rows {rows} "
            f"{'JOIN old_rows o ON o.id = n.id ' if where else ''}"
            f"LEFT JOIN public.dimensions d ON d.id = {rows}.dimension_id "
            f"LEFT JOIN public.segments s ON s.id = {rows}.segment_id {where}"
            f"ORDER BY {rows}.id;"
        )

    same_unit = (
        "(o.coder_id, o.transcript_id, o.segment_id, o.dimension_id) IS NOT DISTINCT FROM "
        "(n.coder_id, n.transcript_id, n.segment_id, n.dimension_id)"
    )
    moved_old = (  # an UPDATE that moves a code to another unit: the old unit is cleared
        f"{_AUDIT_INSERT}SELECT now(), session_user, {_action('codes', 'clear')}, "
        f"o.coder_id, o.transcript_id, s.idx, d.key, o.value, NULL, {_WHY} "
        "FROM old_rows o JOIN new_rows n ON n.id = o.id "
        "LEFT JOIN public.dimensions d ON d.id = o.dimension_id "
        f"LEFT JOIN public.segments s ON s.id = o.segment_id WHERE NOT {same_unit} "
        "ORDER BY o.id;"
    )
    return f"""
BEGIN
    IF TG_OP = 'INSERT' THEN
        {entries("n", "set", "NULL", "n.value")}
    ELSIF TG_OP = 'UPDATE' THEN
        {moved_old}
        {entries("n", "set", "CASE WHEN " + same_unit + " THEN o.value END", "n.value",
                 "WHERE NOT " + same_unit + " OR (o.value, o.memo) IS DISTINCT FROM "
                 "(n.value, n.memo) ")}
    ELSE
        {entries("o", "clear", "o.value", "NULL")}
    END IF;
    RETURN NULL;
END"""  # fmt: skip


def _audit_memos() -> str:
    def entries(source: str, action_rows: str, old: str, new: str) -> str:
        return (
            f"{_AUDIT_INSERT}SELECT now(), session_user, {_action('segment_memos', 'memo')}, "
            f"x.coder_id, s.transcript_id, s.idx, NULL, {old}, {new}, {_WHY} "
            f"FROM {source} LEFT JOIN public.segments s ON s.id = x.segment_id {action_rows}"
            "ORDER BY x.id;"
        )

    return f"""
BEGIN
    IF TG_OP = 'INSERT' THEN
        {entries("new_rows x", "", "NULL", "x.text")}
    ELSIF TG_OP = 'UPDATE' THEN
        {entries("new_rows x JOIN old_rows o ON o.id = x.id",
                 "WHERE o.text IS DISTINCT FROM x.text OR o.segment_id <> x.segment_id "
                 "OR o.coder_id <> x.coder_id ", "o.text", "x.text")}
    ELSE
        {entries("old_rows x", "", "x.text", "NULL")}
    END IF;
    RETURN NULL;
END"""  # fmt: skip


def _audit_pairs(
    table: str, key_in: str, key_out: str, new_in: str, old_out: str, changed: str
) -> str:
    """Completions and assignments: rows keyed by (coder, transcript). ``new_in`` and
    ``old_out`` are the values written for a row that arrives (``x``) or leaves (``o``)."""

    def entries(action: str, old: str, new: str, source: str, order: str) -> str:
        return (
            f"{_AUDIT_INSERT}SELECT now(), session_user, {_action(table, action)}, "
            f"{order}.coder_id, {order}.transcript_id, NULL, NULL, {old}, {new}, {_WHY} "
            f"FROM {source} ORDER BY {order}.coder_id, {order}.transcript_id;"
        )

    return f"""
BEGIN
    IF TG_OP = 'INSERT' THEN
        {entries(key_in, "NULL" if key_in == "assign" else "'0'", new_in, "new_rows x", "x")}
    ELSIF TG_OP = 'UPDATE' THEN
        {entries(key_in, old_out, new_in,
                 "new_rows x JOIN old_rows o ON (o.coder_id, o.transcript_id) = "
                 f"(x.coder_id, x.transcript_id) WHERE {changed}", "x")}
    ELSE
        {entries(key_out, old_out, "NULL" if key_out == "unassign" else "'0'", "old_rows o", "o")}
    END IF;
    RETURN NULL;
END"""  # fmt: skip


_TRIGGER_BODIES = {
    "sc_audit_codes": _audit_codes(),
    "sc_audit_memos": _audit_memos(),
    "sc_audit_completions": _audit_pairs(
        "completions",
        "complete",
        "reopen",
        "'1'",
        "'1'",
        "o.completed_at IS DISTINCT FROM x.completed_at",
    ),
    "sc_audit_assignments": _audit_pairs(
        "assignments",
        "assign",
        "unassign",
        "x.purpose",
        "o.purpose",
        "o.purpose IS DISTINCT FROM x.purpose",
    ),
}


def function_ddl() -> list[str]:
    """``CREATE OR REPLACE FUNCTION`` statements for every server-mode function."""
    out = [
        _definer("sc_my_coder", "", "integer", _ME, volatility="STABLE"),
        _definer(
            "sc_stated_action",
            "fallback text, accepted text[]",
            "text",
            _STATED,
            volatility="STABLE",
        ),
    ]
    for name, (args, returns, query) in _READS.items():
        out.append(_definer(name, args, returns, query, lang="sql", volatility="STABLE"))
    for name, (returns, body) in _MY_ROWS.items():
        out.append(
            _definer(name, "p_transcript integer DEFAULT NULL", returns, body, volatility="STABLE")
        )
    out += [
        _definer(
            "sc_set_code",
            "p_transcript integer, p_segment integer, p_dimension integer, p_value text, "
            "p_memo text, p_keep_memo boolean",
            "TABLE (old_value text, old_memo text, new_memo text)",
            _SET_CODE,
        ),
        _definer(
            "sc_clear_code",
            "p_transcript integer, p_segment integer, p_dimension integer",
            "TABLE (old_value text, old_memo text)",
            _CLEAR_CODE,
        ),
        _definer(
            "sc_set_memo",
            "p_segment integer, p_text text",
            "TABLE (old_text text, new_text text)",
            _SET_MEMO,
        ),
        _definer(
            "sc_set_completed",
            "p_transcript integer, p_completed boolean",
            "boolean",
            _SET_COMPLETED,
        ),
    ]
    out += [_definer(name, "", "trigger", body) for name, body in _TRIGGER_BODIES.items()]
    return out


def trigger_ddl() -> list[str]:
    """Drop and create the audit triggers (three per table: transition tables need one event
    per trigger)."""
    out = []
    for table, fn in AUDITED:
        for event, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            name = f"sc_audit_{event.lower()}"
            out.append(f"DROP TRIGGER IF EXISTS {name} ON {SCHEMA}.{table}")
            out.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {SCHEMA}.{table} REFERENCING {refs} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.{fn}()"
            )
    return out


#: the trigger whose presence tells a connection that the server writes the audit log
AUDIT_MARKER = "sc_audit_insert"
