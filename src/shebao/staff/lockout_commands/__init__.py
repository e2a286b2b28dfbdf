"""django-axes' commands, in Chinese (review bad-input leftovers 1).

django-axes ships ``axes_reset``, ``axes_reset_username``, ``axes_reset_ip``,
``axes_reset_ip_username``, ``axes_list_attempts``, ``axes_reset_logs`` and
``axes_reset_failure_logs``; a staff operator runs them as ``shebao axes_reset_username NAME`` (README)
and they answered ``1 attempts removed.``, ``No attempts found.``, their usage and help in English.
Django takes a command from the first app in INSTALLED_APPS that has one, so this app, holding the
same names as `ShebaoCommand` subclasses, is listed just before ``axes``. It has no models.

The lockouts themselves stay django-axes' (`axes.utils.reset`, `AxesProxyHandler`); what changes:
the answers and usage are Chinese; a user name is looked up as django-axes keeps it
(`shebao.staff.lockout.stored_username`: a name that is no staff account's is kept only as a keyed
hash, so ``axes_reset_username`` typed with that name found nothing); an empty user name or address,
which django-axes reads as "no filter" and so lifted every lockout, is refused; an address must be
one; an age is a whole number of days (``--age -5`` removed the log records of the coming days too).
"""
