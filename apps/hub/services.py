import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import Application

from apps.core.cache import cache_get_versioned, cache_held, cache_invalidate, cache_set_versioned
from apps.hub.models import Action, ApiKey, EventType, System

API_KEY_PREFIX = "jct_"
#: last_used_at is written at most this often per key, so busy producers do not contend on its row.
LAST_USED_RESOLUTION = timedelta(seconds=60)
#: Authenticated keys are kept in the shared cache: agents and producers call many times a second.
#: Revoking a key, or any change to it or its system, drops the entry at once (see `api_keys_forget`);
#: the timeout only bounds what a change made outside Junction (SQL by hand) would leave.
API_KEY_CACHE_SECONDS = 60


def api_key_prefix(key: str) -> str:
    """The visible start of a key (``jct_`` and 8 hex digits): what the admin lists, and what failed
    attempts are counted by."""
    return key[: len(API_KEY_PREFIX) + 8]


def api_key_hash(key: str) -> str:
    # Keys are 190 random bits, so a fast unsalted hash is safe and allows an indexed lookup.
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_create(*, system: System, name: str) -> tuple[ApiKey, str]:
    """Create a key and return it with its clear value, which is not stored anywhere."""
    visible = secrets.token_hex(4)
    key = f"{API_KEY_PREFIX}{visible}_{secrets.token_urlsafe(24)}"
    api_key = ApiKey.objects.create(
        system=system, name=name, prefix=f"{API_KEY_PREFIX}{visible}", key_hash=api_key_hash(key)
    )
    return api_key, key


def api_key_authenticate(key: str) -> ApiKey | None:
    """The active key with this clear value, its system loaded; records when it was last used."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    key_hash = api_key_hash(key)
    cache_key, version_key = _cache_keys(key_hash)
    api_key, version = cache_get_versioned(cache_key, version_key, local=True)
    if api_key is None:
        api_key = (
            ApiKey.objects.select_related("system")
            .filter(key_hash=key_hash, revoked_at__isnull=True, system__deleted_at__isnull=True)
            .first()
        )
        if api_key is None:
            return None  # not cached: guessing keys must not fill the cache
        cache_set_versioned(cache_key, api_key, version, API_KEY_CACHE_SECONDS, local=True)
    now = timezone.now()
    if api_key.last_used_at is None or api_key.last_used_at < now - LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
        cache_set_versioned(cache_key, api_key, version, API_KEY_CACHE_SECONDS, local=True)
    return api_key


def api_key_held(key: str) -> ApiKey | None:
    """What ``api_key_authenticate`` answers, if this process's copy holds the key and nothing needs
    writing (its last use was recorded lately); None when only ``api_key_authenticate`` can tell."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    api_key = cache_held(*_cache_keys(api_key_hash(key)))
    if api_key is None or api_key.last_used_at is None:
        return None
    return api_key if api_key.last_used_at >= timezone.now() - LAST_USED_RESOLUTION else None


def _cache_keys(key_hash: str) -> tuple[str, str]:
    return f"hub:api-key:{key_hash}", f"hub:api-key-version:{key_hash}"


def api_key_cache_keys(key: str) -> list[str]:
    """The shared-cache entries ``api_key_authenticate`` reads (for ``cache_read_ahead``)."""
    return list(_cache_keys(api_key_hash(key))) if key.startswith(API_KEY_PREFIX) else []


def api_keys_forget(*, key_hashes: list[str]) -> None:
    """These keys (or their systems) changed: authenticate them from the database again."""
    cache_invalidate([_cache_keys(key_hash)[1] for key_hash in key_hashes])


#: Event types are read on every webhook call, so they are cached too, under one version that any change
#: to an event type or a system drops (`event_types_forget`): such changes are rare.
EVENT_TYPE_CACHE_SECONDS = 60
EVENT_TYPES_VERSION = "hub:event-types-version"


def event_type_cache_keys(identifier: str) -> list[str]:
    """The shared-cache entries ``event_type_by_identifier`` reads (for ``cache_read_ahead``). The
    identifier comes from the URL, in any characters: hashed, it makes a valid key for any cache."""
    hashed = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return [f"hub:event-type:{hashed}", EVENT_TYPES_VERSION]


def event_type_by_identifier(identifier: str) -> EventType | None:
    """The event type with this identifier (active or not, its system loaded), from the shared cache."""
    cache_key, _ = event_type_cache_keys(identifier)
    event_type, version = cache_get_versioned(cache_key, EVENT_TYPES_VERSION, local=True)
    if event_type is None:
        event_type = EventType.objects.select_related("system").filter(identifier=identifier).first()
        if event_type is None:
            return None  # not cached: made-up identifiers must not fill the cache
        cache_set_versioned(cache_key, event_type, version, EVENT_TYPE_CACHE_SECONDS, local=True)
    return event_type


def event_type_held(identifier: str) -> EventType | None:
    """The event type with this identifier if this process's copy holds it (None: ask
    ``event_type_by_identifier``)."""
    return cache_held(*event_type_cache_keys(identifier))


def event_types_forget() -> None:
    """An event type or a system changed: read event types from the database again."""
    cache_invalidate([EVENT_TYPES_VERSION])


AGENTS_SYSTEM = "agents"


def agent_key_authenticate(key: str) -> ApiKey | None:
    """An active API key of the agents' system (agents send it as ``X-Trento-Apikey`` or ``X-API-Key``)."""
    api_key = api_key_authenticate(key)
    return api_key if api_key is not None and api_key.system.identifier == AGENTS_SYSTEM else None


def api_key_revoke(*, api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_keys_forget(key_hashes=[api_key.key_hash])


def action_signing_secret_rotate(*, action: Action) -> str:
    """Give an action a new signing secret and return it: the subscriber needs it to verify deliveries."""
    action.signing_secret = ""
    action.save(update_fields=["signing_secret", "updated_at"])  # save() generates a new one
    return action.signing_secret


@transaction.atomic
def oauth_client_create(*, system: System) -> tuple[str, str]:
    """Give a system a new OAuth2 client (client credentials); return its id and secret, shown once."""
    secret = secrets.token_urlsafe(32)
    application = Application.objects.create(
        name=f"{system.name} ({system.identifier})",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    previous = system.oauth_application
    system.oauth_application = application
    system.save(update_fields=["oauth_application", "updated_at"])
    if previous is not None:
        previous.delete()
    return application.client_id, secret
