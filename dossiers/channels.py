"""Which of the catalogue's channels applies to a dossier (its legal processing time)."""

from dossiers.models import Channel, Dossier

CHANNEL_KIND = {Channel.DIRECT: "direct", Channel.ONLINE: "online", Channel.POSTAL: "postal"}


def legal_channel(dossier: Dossier):
    """The catalogue channel whose legal time applies: the one the dossier came through."""
    version = dossier.version
    return (
        version.channels.filter(kind=CHANNEL_KIND[Channel(dossier.channel)]).first()
        or version.channels.order_by("processing_time").first()
    )
