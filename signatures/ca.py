"""The CA stand-in: a root and an issuing CA of our own, playing the Government Cipher
Committee's CA in development, tests and demos.

Everything downstream (signing, verification, revocation) works on X.509 certificates, CRLs
and keys, so a real CA's certificates work the same: only issuance is ours. Private keys are
kept encrypted (AES-256-GCM) with a key derived from ``SIGNATURES_KEY`` in the environment;
they are decrypted in memory to sign and never shown or sent anywhere.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import unicodedata
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from signatures.models import Authority, Certificate, Position, RevocationReason

ROOT_NAME = "Portal Stand-in Root CA"
ISSUING_NAME = "Portal Stand-in Issuing CA"
KEY_SIZE = 2048
CERTIFICATE_DAYS = 730
CRL_HOURS = 24
REASON_FLAGS = {
    RevocationReason.UNSPECIFIED: x509.ReasonFlags.unspecified,
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION_OF_OPERATION: x509.ReasonFlags.cessation_of_operation,
}


# --- Keys at rest ---------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _aead(secret: str) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"portal-signature-keys", info=b"v1"
    ).derive(secret.encode())
    return AESGCM(key)


def _secret() -> str:
    return settings.SIGNATURES_KEY


def seal_key(key) -> str:
    """The private key, PKCS#8 DER, encrypted with the environment's key (nonce prefixed)."""
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    nonce = os.urandom(12)
    return base64.b64encode(nonce + _aead(_secret()).encrypt(nonce, der, None)).decode()


def open_key(sealed: str):
    """The private key, unsealed in memory. The seal is authenticated (AES-GCM), so a key that
    opens is the one we generated: the costly RSA consistency check (60 ms) is skipped."""
    raw = base64.b64decode(sealed)
    der = _aead(_secret()).decrypt(raw[:12], raw[12:], None)
    return serialization.load_der_private_key(
        der, password=None, unsafe_skip_rsa_key_validation=True
    )


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def load(pem_text: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem_text.encode())


# --- The authorities ---------------------------------------------------------------------------


def _url(name: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse(name)}"


def _ca_certificate(*, name, key, issuer_name, issuer_key, path_length, days):
    now = timezone.now()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.SIGNATURES_CA_ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer_key is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        ).add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(_url("signatures:root-crl"))],
                        None,
                        None,
                        None,
                    )
                ]
            ),
            critical=False,
        )
    return builder.sign(issuer_key or key, hashes.SHA256())


@transaction.atomic
def stand_in() -> tuple[Authority, Authority]:
    """The root and the issuing CA, made on first use (one transaction, locked)."""
    existing = {a.name: a for a in Authority.objects.select_for_update().all()}
    if ROOT_NAME in existing and ISSUING_NAME in existing:
        return existing[ROOT_NAME], existing[ISSUING_NAME]
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    root_cert = _ca_certificate(
        name=ROOT_NAME, key=root_key, issuer_name=None, issuer_key=None, path_length=1, days=3650
    )
    root = Authority.objects.create(
        name=ROOT_NAME, certificate_pem=pem(root_cert), key_encrypted=seal_key(root_key)
    )
    issuing_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    issuing_cert = _ca_certificate(
        name=ISSUING_NAME,
        key=issuing_key,
        issuer_name=root_cert.subject,
        issuer_key=root_key,
        path_length=0,
        days=3650,
    )
    issuing = Authority.objects.create(
        name=ISSUING_NAME,
        parent=root,
        certificate_pem=pem(issuing_cert),
        key_encrypted=seal_key(issuing_key),
    )
    return root, issuing


# --- Officials' certificates ---------------------------------------------------------------------


OPENING, CLOSING = "([{", ")]}"
TRAILING = " -\u2013\u2014,;:/."  # spaces, hyphen, en and em dash, punctuation


def _fit(text: str, limit: int = 64) -> str:
    """``text`` cut to the X.520 upper bound, counted in UTF-8 bytes (Vietnamese letters take
    two or three): after the last whole word that fits, and before any bracket whose closing
    one was cut off ("Lê Văn A (Ủy ban nhân dân …" keeps "Lê Văn A"). A first word longer than
    the bound is cut between characters. The register keeps the name in full."""
    text = " ".join(unicodedata.normalize("NFC", text).split()) or "-"
    if len(text.encode()) <= limit:
        return text
    kept = ""
    for word in text.split(" "):
        candidate = f"{kept} {word}" if kept else word
        if len(candidate.encode()) > limit:
            break
        kept = candidate
    if not kept:
        kept = text
        while len(kept.encode()) > limit:
            kept = kept[:-1]
    opened: list[int] = []
    for at, char in enumerate(kept):
        if char in OPENING:
            opened.append(at)
        elif char in CLOSING and opened:
            opened.pop()
    if opened:  # before the bracket left open, or without it when nothing stands before
        kept = kept[: opened[0]].rstrip(TRAILING) or "".join(
            char for at, char in enumerate(kept) if at not in opened
        )
    return kept.rstrip(TRAILING) or "-"


def _official_name(holder, position: Position) -> x509.Name:
    agency = position.agency
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(agency.name)),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, agency.identifier),
            x509.NameAttribute(NameOID.TITLE, _fit(position.title)),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, _fit(position.code)),
            x509.NameAttribute(NameOID.COMMON_NAME, _fit(holder.get_full_name())),
        ]
    )


def issue(
    *,
    holder,
    position: Position,
    days: int = CERTIFICATE_DAYS,
    renewed_from: Certificate | None = None,
    not_before: dt.datetime | None = None,
) -> Certificate:
    """A new signing certificate for ``holder`` in ``position``, from the issuing CA."""
    _root, issuing = stand_in()
    issuer_cert = load(issuing.certificate_pem)
    issuer_key = open_key(issuing.key_encrypted)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    start = not_before or (timezone.now() - dt.timedelta(minutes=5))
    serial = x509.random_serial_number()
    subject = _official_name(holder, position)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(_url("signatures:crl"))], None, None, None
                    )
                ]
            ),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return Certificate.objects.create(
        serial=format(serial, "x"),
        issuer=issuing,
        holder=holder,
        position=position,
        subject=subject.rfc4514_string(),
        certificate_pem=pem(certificate),
        key_encrypted=seal_key(key),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        renewed_from=renewed_from,
    )


def revoke(*, certificate: Certificate, reason: str = RevocationReason.UNSPECIFIED) -> Certificate:
    """Mark the certificate revoked; the next CRL lists it."""
    if certificate.revoked_at is None:
        certificate.revoked_at = timezone.now()
        certificate.revocation_reason = reason
        certificate.save(update_fields=["revoked_at", "revocation_reason"])
    return certificate


def renew(*, certificate: Certificate, days: int = CERTIFICATE_DAYS) -> Certificate:
    """A new certificate for the same holder and position; the old one is superseded."""
    with transaction.atomic():
        fresh = issue(
            holder=certificate.holder,
            position=certificate.position,
            days=days,
            renewed_from=certificate,
        )
        revoke(certificate=certificate, reason=RevocationReason.SUPERSEDED)
    return fresh


def crl(authority: Authority) -> bytes:
    """The DER CRL of ``authority``: every certificate it issued that is revoked."""
    issuer_cert = load(authority.certificate_pem)
    key = open_key(authority.key_encrypted)
    now = timezone.now()
    Authority.objects.filter(pk=authority.pk).update(crl_number=authority.crl_number + 1)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + dt.timedelta(hours=CRL_HOURS))
        .add_extension(x509.CRLNumber(authority.crl_number + 1), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
    )
    if authority.parent_id is None:
        revoked = []  # the root revokes nothing of ours
    else:
        revoked = Certificate.objects.filter(
            issuer=authority, revoked_at__isnull=False
        ).values_list("serial", "revoked_at", "revocation_reason")
    for serial, at, reason in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(serial, 16))
            .revocation_date(at)
            .add_extension(
                x509.CRLReason(REASON_FLAGS.get(reason, x509.ReasonFlags.unspecified)),
                critical=False,
            )
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
