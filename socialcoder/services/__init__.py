"""Use cases over a study: what the command line and the GUI call.

Every function that changes a study runs in one transaction (``Study.write()``), so an action
is stored whole or not at all. What leaves a service is a plain value object, never an ORM row.
"""
