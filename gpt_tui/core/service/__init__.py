"""The services the app and the commands are handed (:mod:`.services` builds them): the turn
engine and conversation owner (:mod:`.chat`, with :mod:`.events`, :mod:`.streaming` and
:mod:`.turn_planning`), UI state and drafts (:mod:`.state`), presets, search, titles,
connections (profiles, models, prices) and usage totals.
"""
