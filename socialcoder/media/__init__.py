"""Session recordings as files: what kind and how long (:mod:`.probe`), which content
(:mod:`.hashing`), where they went (:mod:`.locate`) and how loud, over time
(:mod:`.overview`).

Pure Python plus numpy and mutagen: no database, no Qt. The study keeps only a recording's
path, size, duration and SHA-256 (never the media itself); the window plays it with
QtMultimedia.
"""
