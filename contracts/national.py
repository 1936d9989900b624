"""Events of the national service (national instance only): national events such as the yearly peer meetup
(seed 004: 11 May 2023, 55 paid and volunteer peers from 4 regions, 'Din praksis i fokus'), their capacity and
waitlist, and what the national instance says to the regions (the downlink, docs/architecture.md).

- `national_event`         one stream per national event: created, and every decision on a registration
                            (capacity and waitlist are decided here, on this one stream's expected version)
- `national_announcement`  broadcast to every region (`national.broadcast`): an event announced
- `national_registration`  addressed to the registrant's instance (`national.addressed`), a stream per
                            registration: accepted, waitlisted, promoted, cancelled
- `competence_module`      the shared competence catalogue, one stream per module: its versions and its
                            retirement, broadcast to every region as they are (courses keeps the catalogue)

A registrant is a pseudonym of their own instance (`national_sign_up.requested`, contracts/network.py): the
national instance never sees a person id, a name or anything a region knows of the person but the kind of peer.
Texts of an event (title, place, programme) are written by a national coordinator for the public announcement:
they are about the event, not about a person.
"""
from marshmallow import fields, validate

from contracts.courses import PSEUDONYM_PATTERN
from contracts.network import PEER_KINDS, THEMES
from contracts.registry import event
from contracts.schema import Schema

INSTANCE_PATTERN = r"^(region-108[1-5]|kommune-\d{4})$"
REGISTRATION_STATUSES = ("accepted", "waitlisted")
_PUBLIC_TEXT = {"national_safe": "written by a national coordinator for the public announcement of the event"}


def _text(max_length: int, **kwargs):
    return fields.String(validate=validate.Length(min=1, max=max_length), metadata=dict(_PUBLIC_TEXT), **kwargs)


def national_event_id():
    return fields.UUID(required=True, metadata={
        "national_safe": "the id of a national event, made at the national instance: names no person"})


def _pseudonym():
    return fields.String(required=True, validate=validate.Regexp(PSEUDONYM_PATTERN),
                         metadata={"description": "the registrant, as their own instance's pseudonym for this event"})


class ProgrammeItem(Schema):
    starts_at = fields.AwareDateTime(required=True)
    title = _text(200, required=True)


class ProgrammeEntry(Schema):
    """A programme item as read models and answers hold it (its time already ISO 8601 text)."""

    starts_at = fields.String(required=True, metadata={"format": "date-time"})
    title = fields.String(required=True)


class EventDetails(Schema):
    """What a national event is: announced to every region as it was created."""

    title = _text(200, required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    place = _text(200, required=True)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=10000))
    themes = fields.List(fields.String(validate=validate.OneOf(THEMES)), required=True,
                         validate=validate.Length(min=1, max=10))
    programme = fields.List(fields.Nested(ProgrammeItem), load_default=list, validate=validate.Length(max=50))


# -- the aggregate (stays at the national instance) ----------------------------------------------------
@event("national_event.created", 1)
class NationalEventCreated(EventDetails):
    """A national coordinator created a national event (e.g. the yearly peer meetup) with its capacity."""


@event("national_event.registration_received", 1)
class RegistrationReceived(Schema):
    """A region forwarded a registration; decided at once: accepted within capacity, else waitlisted."""

    registration_id = fields.UUID(required=True)
    pseudonym = _pseudonym()
    region = fields.String(required=True, validate=validate.Regexp(INSTANCE_PATTERN))
    peer_kind = fields.String(required=True, validate=validate.OneOf(PEER_KINDS))
    status = fields.String(required=True, validate=validate.OneOf(REGISTRATION_STATUSES))


@event("national_event.registration_promoted", 1)
class RegistrationPromoted(Schema):
    """A place became free: the first on the waitlist (in order of registration) has it."""

    registration_id = fields.UUID(required=True)


@event("national_event.registration_cancelled", 1)
class RegistrationCancelled(Schema):
    """The registrant withdrew (through their instance)."""

    registration_id = fields.UUID(required=True)


@event("national_event.attendance_recorded", 1)
class AttendanceRecorded(Schema):
    """The registrant's instance reported that they attended."""

    registration_id = fields.UUID(required=True)


# -- the downlink ------------------------------------------------------------------------------------------
@event("national_announcement.published", 1, downlink="broadcast")
class AnnouncementPublished(EventDetails):
    """A national event announced to every instance, whose peers sign up there."""

    national_event_id = national_event_id()


class _Answer(Schema):
    addressee = fields.String(required=True, validate=validate.Regexp(INSTANCE_PATTERN),
                              metadata={"description": "the instance the answer is for (routing key prefix)"})
    national_event_id = national_event_id()
    pseudonym = _pseudonym()


@event("national_registration.accepted", 1, downlink="addressed")
class RegistrationAccepted(_Answer):
    """The registrant has a place."""


@event("national_registration.waitlisted", 1, downlink="addressed")
class RegistrationWaitlisted(_Answer):
    """The event is full: the registrant is on the waitlist, at `position` (1 = next to be promoted)."""

    position = fields.Integer(required=True, validate=validate.Range(min=1))


@event("national_registration.promoted", 1, downlink="addressed")
class RegistrationPromotedAnswer(_Answer):
    """A place became free and the registrant, first on the waitlist, has it now."""


@event("national_registration.cancelled", 1, downlink="addressed")
class RegistrationCancelledAnswer(_Answer):
    """The registration is cancelled (the registrant withdrew)."""


# -- the shared competence catalogue (broadcast to every instance) -----------------------------------------
# One stream per module, `competence_module-<module id>`: every version and the retirement, nothing else,
# so the stream is both the national aggregate and what goes down (contiguous versions for the regions' inbox).
COMPETENCE_KINDS = ("peer_education", "supervision_training", "theme_day", "course", "other")
_CATALOGUE_TEXT = {"national_safe": "written by a national coordinator for the public competence catalogue"}


def competence_module_id():
    return fields.UUID(required=True, metadata={
        "national_safe": "the id of a competence module, made at the national instance: names no person"})


class ModuleDetails(Schema):
    """What a version of a competence module says: the same for every instance that receives it."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata=dict(_CATALOGUE_TEXT))
    description = fields.String(load_default="", validate=validate.Length(max=4000), metadata=dict(_CATALOGUE_TEXT))
    learning_goals = fields.List(
        fields.String(validate=validate.Length(min=1, max=500), metadata=dict(_CATALOGUE_TEXT)),
        required=True, validate=validate.Length(min=1, max=30))
    kind = fields.String(required=True, validate=validate.OneOf(COMPETENCE_KINDS))
    hours = fields.Float(required=True, validate=validate.Range(min=0.5, max=1000),
                         metadata={"description": "study hours"})


@event("competence_module.published", 1, downlink="broadcast")
class CompetenceModulePublished(ModuleDetails):
    """A national coordinator published a version of a competence module (version 1: the module is new;
    a later version supersedes the previous one: completions keep the version they were made against)."""

    module_id = competence_module_id()
    module_version = fields.Integer(required=True, validate=validate.Range(min=1))


@event("competence_module.retired", 1, downlink="broadcast")
class CompetenceModuleRetired(Schema):
    """The module is no longer offered: no new course maps to it; completions already made stay valid."""

    module_id = competence_module_id()
    module_version = fields.Integer(required=True, validate=validate.Range(min=1),
                                    metadata={"description": "the last version published"})
