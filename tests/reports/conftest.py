"""The dossier tests' fixtures: the demo citizen and a dossier they submitted online."""

from tests.dossiers.conftest import applicant, submitted  # noqa: F401
