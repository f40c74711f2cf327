"""The back office: the officers' pages (queues, a dossier's page and its action forms, counter
intake, batch signing, the dashboard), the queues' queries and the deadlines' rounds.

Pages are thin adapters over ``dossiers.lifecycle``; what a queue holds and what it counts is
``queues``; ``urls`` is included by ``portal.urls``.
"""
