"""Accounts and rights — who may do what — with no Flask here (a test walks the imports).

``models`` holds users, their memberships (a role in an organisation; a concessionnaire's
limited to named contracts), invitations, API tokens and the append-only audit log;
``passwords`` the argon2 hashes and the strength rule; ``users``, ``signin``,
``invitations`` and ``tokens`` the operations on them; ``identity`` who is acting;
``rights`` the one table of who may do what, and the rules the faces call.
"""
