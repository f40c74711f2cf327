"""The dossiers' REST API (``/api/v1/``): ``citizen`` (a citizen's dossiers and the public
tracking), ``office`` (lifecycle actions and the officers' queues), ``signing`` (batch signing)
and ``common`` (how a refused action answers). The national portal's inbound API belongs to
``sync``, which owns everything exchanged with that portal.
"""
