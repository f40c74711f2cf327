"""One table of what each back-office action takes (dossiers/actions.py), read by the pages and
the API: both offer exactly its actions, every parameter is one the lifecycle service accepts,
and ``take`` refuses what the table does not list before anything is written."""

import inspect

import pytest

from dossiers import actions
from dossiers.api.office import API_FIELDS, ActionSerializer, OfficeActionsMixin
from dossiers.errors import SubmissionInvalid
from dossiers.lifecycle import Action
from dossiers.models import Dossier, DossierEvent, Status
from dossiers.office.forms import ACTION_FORMS
from tests.factories.dossiers import receiver_of


def test_pages_and_api_offer_the_actions_of_the_table():
    endpoints = {name for name in actions.INPUTS if callable(getattr(OfficeActionsMixin, name))}

    assert set(ACTION_FORMS) == set(actions.INPUTS)
    assert endpoints == set(actions.INPUTS)


@pytest.mark.parametrize("action", sorted(actions.INPUTS))
def test_every_parameter_of_the_table_is_one_the_service_takes(action):
    takes = actions.INPUTS[action]
    for name in takes.params:
        service = takes.variants.get(name, takes.service)
        assert name in inspect.signature(service).parameters, (action, name)
    assert "revision" in inspect.signature(takes.service).parameters


@pytest.mark.parametrize("action", sorted(API_FIELDS))
def test_the_api_fields_fill_parameters_of_the_table(action):
    for field, (param, _find) in API_FIELDS[action].items():
        assert param in actions.INPUTS[action].params
        assert field in ActionSerializer().fields or field == "file"


def _state(dossier):
    return (
        Dossier.objects.filter(pk=dossier.pk).values_list("status", "revision").get(),
        DossierEvent.objects.filter(dossier=dossier).count(),
    )


@pytest.mark.django_db
def test_a_parameter_outside_the_table_is_refused_and_nothing_changes(submitted):
    before = _state(submitted)

    with pytest.raises(TypeError, match="receive takes no note"):
        actions.take(
            Action.RECEIVE,
            dossier=submitted,
            actor=receiver_of(submitted),
            values={"revision": submitted.revision, "note": "ghi chú"},
        )

    assert _state(submitted) == before


@pytest.mark.django_db
def test_a_required_parameter_missing_is_a_field_error_and_nothing_changes(submitted):
    before = _state(submitted)

    with pytest.raises(SubmissionInvalid) as refused:
        actions.take(
            Action.ASSIGN,
            dossier=submitted,
            actor=receiver_of(submitted),
            values={"revision": submitted.revision},
        )

    assert refused.value.field == "to"
    assert _state(submitted) == before


@pytest.mark.django_db
def test_take_calls_the_service_with_the_defaults_of_the_table(submitted):
    taken = actions.take(
        Action.RECEIVE,
        dossier=submitted,
        actor=receiver_of(submitted),
        values={"revision": submitted.revision},
    )

    assert taken.status == Status.RECEIVED
    event = DossierEvent.objects.filter(dossier=submitted).latest("id")
    assert (event.kind, event.new_status) == (DossierEvent.Kind.TRANSITION, Status.RECEIVED)
