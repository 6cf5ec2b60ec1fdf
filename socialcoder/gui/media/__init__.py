"""The recording beside the transcript: a player dock (video, an overview of the whole
session), its keys, follow and timing modes.

* :mod:`.player`: QMediaPlayer behind a small API (open, seek, play a span, rate, volume), and
  the one-line reasons when playback is impossible;
* :mod:`.overview`: the overview widget and its background computation;
* :mod:`.pane`: the dock's widgets (layout only);
* :mod:`.menu`: the Playback menu and the keys the transcript list hands over;
* :mod:`.turn_times`: where the turns lie in the recording (no Qt);
* :mod:`.controller`: :class:`MediaController`, which the main window composes: it follows the
  coding controller's transcript and selection and calls the media services.
"""
