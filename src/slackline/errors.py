"""The one vocabulary of Slack error and warning codes.

Every failure a caller can see is a member of :class:`SlackErrorCode`. A
:class:`SlackError` becomes its body in one function, :func:`error_body` (HTTP responses,
acting as a user, journals), and an exception nobody expected becomes a Slack error in one
other, :func:`unexpected_error`: storage and broker failures are ``internal_error``, anything
else is ``fatal_error`` (decisions B.6), on every path.
"""

from __future__ import annotations

import enum
from typing import Any


class SlackErrorCode(enum.StrEnum):
    """Error codes exactly as Slack spells them on the wire."""

    # Request format (decisions A.4-A.7).
    INVALID_ARG_NAME = "invalid_arg_name"
    INVALID_ARRAY_ARG = "invalid_array_arg"
    INVALID_CHARSET = "invalid_charset"
    INVALID_FORM_DATA = "invalid_form_data"
    INVALID_POST_TYPE = "invalid_post_type"
    MISSING_POST_TYPE = "missing_post_type"
    REQUEST_TIMEOUT = "request_timeout"
    INVALID_JSON = "invalid_json"
    JSON_NOT_OBJECT = "json_not_object"
    INVALID_ARGUMENTS = "invalid_arguments"
    UNKNOWN_METHOD = "unknown_method"
    # Authentication.
    NOT_AUTHED = "not_authed"
    INVALID_AUTH = "invalid_auth"
    TOKEN_REVOKED = "token_revoked"
    ACCOUNT_INACTIVE = "account_inactive"
    TOKEN_EXPIRED = "token_expired"
    # Slash commands (docs/socket-mode.md#slash-commands).
    INVALID_COMMAND = "invalid_command"
    DISPATCH_FAILED = "dispatch_failed"
    EXPIRED_URL = "expired_url"
    INVALID_ACTION = "invalid_action"
    # Token type and permission.
    NOT_ALLOWED_TOKEN_TYPE = "not_allowed_token_type"
    NO_PERMISSION = "no_permission"
    ENTERPRISE_IS_RESTRICTED = "enterprise_is_restricted"
    MISSING_SCOPE = "missing_scope"
    ACCESS_DENIED = "access_denied"
    TWO_FACTOR_SETUP_REQUIRED = "two_factor_setup_required"
    ACCESSLIMITED = "accesslimited"
    # Rate limits.
    RATELIMITED = "ratelimited"
    # Workspace state.
    MIGRATION_IN_PROGRESS = "migration_in_progress"
    TEAM_ADDED_TO_ORG = "team_added_to_org"
    ORG_LOGIN_REQUIRED = "org_login_required"
    EKM_ACCESS_DENIED = "ekm_access_denied"
    # The method itself.
    DEPRECATED_ENDPOINT = "deprecated_endpoint"
    METHOD_DEPRECATED = "method_deprecated"
    # Server failure.
    SERVICE_UNAVAILABLE = "service_unavailable"
    INTERNAL_ERROR = "internal_error"
    FATAL_ERROR = "fatal_error"
    # Method-specific.
    INVALID_CURSOR = "invalid_cursor"
    INVALID_LIMIT = "invalid_limit"
    INVALID_TYPES = "invalid_types"
    USER_NOT_FOUND = "user_not_found"
    USER_NOT_VISIBLE = "user_not_visible"
    TEAM_NOT_FOUND = "team_not_found"
    CHANNEL_NOT_FOUND = "channel_not_found"
    NOT_IN_CHANNEL = "not_in_channel"
    IS_ARCHIVED = "is_archived"
    NO_TEXT = "no_text"
    MSG_TOO_LONG = "msg_too_long"
    INVALID_PRESENCE = "invalid_presence"
    INVALID_TS_LATEST = "invalid_ts_latest"
    INVALID_TS_OLDEST = "invalid_ts_oldest"
    INVALID_PROFILE = "invalid_profile"
    INVALID_NAME = "invalid_name"
    CANNOT_UPDATE_ADMIN_USER = "cannot_update_admin_user"
    NOT_ADMIN = "not_admin"
    INVALID_BLOCKS_FORMAT = "invalid_blocks_format"
    INVALID_ATTACHMENTS = "invalid_attachments"
    TOO_MANY_ATTACHMENTS = "too_many_attachments"
    NOT_FOUND = "not_found"
    # Events and the methods that cause them.
    MESSAGE_NOT_FOUND = "message_not_found"
    CANT_UPDATE_MESSAGE = "cant_update_message"
    CANT_DELETE_MESSAGE = "cant_delete_message"
    INVALID_NAME_REQUIRED = "invalid_name_required"
    INVALID_NAME_SPECIALS = "invalid_name_specials"
    INVALID_NAME_MAXLENGTH = "invalid_name_maxlength"
    INVALID_NAME_PUNCTUATION = "invalid_name_punctuation"
    NAME_TAKEN = "name_taken"
    METHOD_NOT_SUPPORTED_FOR_CHANNEL_TYPE = "method_not_supported_for_channel_type"
    ALREADY_IN_CHANNEL = "already_in_channel"
    CANT_LEAVE_GENERAL = "cant_leave_general"
    LAST_MEMBER = "last_member"
    NO_USER = "no_user"
    CANT_INVITE_SELF = "cant_invite_self"
    CANT_KICK_SELF = "cant_kick_self"
    CANT_KICK_FROM_GENERAL = "cant_kick_from_general"
    RESTRICTED_ACTION = "restricted_action"
    ALREADY_ARCHIVED = "already_archived"
    CANT_ARCHIVE_GENERAL = "cant_archive_general"
    NOT_ARCHIVED = "not_archived"
    USERS_LIST_NOT_SUPPLIED = "users_list_not_supplied"
    USER_DISABLED = "user_disabled"
    THREAD_NOT_FOUND = "thread_not_found"
    ALREADY_REACTED = "already_reacted"
    NO_REACTION = "no_reaction"
    NO_ITEM_SPECIFIED = "no_item_specified"
    BAD_TIMESTAMP = "bad_timestamp"
    BOT_NOT_FOUND = "bot_not_found"

    # OAuth and apps (docs/apps.md).
    INVALID_CLIENT_ID = "invalid_client_id"
    BAD_CLIENT_SECRET = "bad_client_secret"
    INVALID_CODE = "invalid_code"
    CODE_ALREADY_USED = "code_already_used"
    BAD_REDIRECT_URI = "bad_redirect_uri"
    INVALID_GRANT_TYPE = "invalid_grant_type"
    INVALID_REFRESH_TOKEN = "invalid_refresh_token"
    OAUTH_AUTHORIZATION_URL_MISMATCH = "oauth_authorization_url_mismatch"
    CLIENT_ID_TOKEN_MISMATCH = "client_id_token_mismatch"

    # Files (files.*, the upload URLs, downloads).
    FILE_NOT_FOUND = "file_not_found"
    FILE_DELETED = "file_deleted"
    CANT_DELETE_FILE = "cant_delete_file"
    FILE_UPLOAD_SIZE_RESTRICTED = "file_upload_size_restricted"
    NO_FILE_DATA = "no_file_data"
    UNKNOWN_TYPE = "unknown_type"
    SNIPPET_TOO_LARGE = "snippet_too_large"
    ALT_TXT_TOO_LARGE = "alt_txt_too_large"
    INVALID_BLOCKS = "invalid_blocks"
    CHANNELS_LIMIT_EXCEEDED = "channels_limit_exceeded"
    FILE_INVALID_THREAD_TS = "invalid_thread_ts"
    FILE_MISSING_ARGUMENT = "missing_argument"

    # Conversations (topics, DMs and group DMs, read marks, the legacy families).
    CONVERSATION_TOO_LONG = "too_long"
    CONVERSATION_INVALID_TIMESTAMP = "invalid_timestamp"
    NOT_ENOUGH_USERS = "not_enough_users"
    TOO_MANY_USERS = "too_many_users"
    USER_IS_BOT = "user_is_bot"
    NO_CHANNEL = "no_channel"

    # Workspace (pins, stars, emoji, user groups, prefs and do-not-disturb, api.test).
    ALREADY_PINNED = "already_pinned"
    NO_PIN = "no_pin"
    NOT_PINNABLE = "not_pinnable"
    TOO_MANY_PINS = "too_many_pins"
    ALREADY_STARRED = "already_starred"
    NOT_STARRED = "not_starred"
    USERS_NOT_FOUND = "users_not_found"
    MISSING_SUBTEAM_NAME = "missing_subteam_name"
    NAME_TOO_LONG = "name_too_long"
    NAME_ALREADY_EXISTS = "name_already_exists"
    HANDLE_ALREADY_EXISTS = "handle_already_exists"
    BAD_HANDLE = "bad_handle"
    FORBIDDEN_HANDLE = "forbidden_handle"
    DESCRIPTION_TOO_LONG = "description_too_long"
    INVALID_CHANNEL_PROVIDED = "invalid_channel_provided"
    NO_SUCH_SUBTEAM = "no_such_subteam"
    INVALID_USERS = "invalid_users"
    NO_USERS_PROVIDED = "no_users_provided"
    MISSING_DURATION = "missing_duration"
    SNOOZE_FAILED = "snooze_failed"
    SNOOZE_TOO_LONG = "too_long"
    SNOOZE_NOT_ACTIVE = "snooze_not_active"
    NOT_IN_DND = "not_in_dnd"
    INVALID_PREF_VALUE = "invalid_value"
    # api.test's failure on request: the body carries the code asked for (``error``).
    API_TEST_ERROR = "api_test_error"

    # Messages (chat.postEphemeral, scheduled messages).
    USER_NOT_IN_CHANNEL = "user_not_in_channel"
    INVALID_TIME = "invalid_time"
    TIME_IN_PAST = "time_in_past"
    TIME_TOO_FAR = "time_too_far"
    RESTRICTED_TOO_MANY = "restricted_too_many"
    INVALID_SCHEDULED_MESSAGE_ID = "invalid_scheduled_message_id"
    INVALID_CHANNEL = "invalid_channel"

    # Search (search.messages).
    NO_QUERY = "no_query"
    IS_BOT = "is_bot"


class SlackWarningCode(enum.StrEnum):
    """Warning codes; they ride on success and failure alike (decisions A.8)."""

    MISSING_CHARSET = "missing_charset"
    SUPERFLUOUS_CHARSET = "superfluous_charset"
    ALREADY_IN_CHANNEL = "already_in_channel"


class SlackError(Exception):
    """A Slack error to be returned to the caller.

    ``fields`` are extra top-level keys Slack adds for some errors (``needed`` and
    ``provided`` for ``missing_scope``); ``retry_after_secs`` feeds ``Retry-After``.
    """

    def __init__(
        self,
        code: SlackErrorCode,
        *,
        fields: dict[str, Any] | None = None,
        retry_after_secs: int | None = None,
    ) -> None:
        super().__init__(code.value)
        self.code = code
        self.fields = fields or {}
        self.retry_after_secs = retry_after_secs


def error_body(error: SlackError) -> dict[str, Any]:
    """``{"ok": false, "error": code, ...extra fields}``: the body of every Slack error."""
    return {"ok": False, "error": error.code.value, **error.fields}


def unexpected_error(exc: BaseException) -> SlackError:
    """The Slack error an unexpected exception is answered with (decisions B.6)."""
    if isinstance(exc, StorageError | BrokerError):
        return SlackError(SlackErrorCode.INTERNAL_ERROR)
    return SlackError(SlackErrorCode.FATAL_ERROR)


class StorageError(Exception):
    """The storage backend failed (unreachable, locked, disk full, timed out)."""


class BrokerError(Exception):
    """The event broker failed."""


class RtmErrorCode(enum.IntEnum):
    """Error codes in RTM replies and ``error`` frames (decisions E.6), with their messages."""

    RATE_LIMITED = -1
    SOCKET_URL_EXPIRED = 1
    TEXT_MISSING = 2
    CHANNEL_NOT_FOUND = 3
    NOT_IN_CHANNEL = 4
    MESSAGE_TOO_LONG = 5
    UNSUPPORTED_TYPE = 6
    INVALID_FRAME = 7
    CHANNEL_MISSING = 8
    INVALID_IDS = 9
    IS_ARCHIVED = 10
    SERVER_ERROR = 11

    @property
    def msg(self) -> str:
        """The human text Slack clients read from ``error.msg``."""
        return _RTM_MESSAGES[self]


_RTM_MESSAGES = {
    RtmErrorCode.RATE_LIMITED: "slow down, too many messages...",
    RtmErrorCode.SOCKET_URL_EXPIRED: "Socket URL has expired",
    RtmErrorCode.TEXT_MISSING: "message text is missing",
    RtmErrorCode.CHANNEL_NOT_FOUND: "channel not found",
    RtmErrorCode.NOT_IN_CHANNEL: "not in channel",
    RtmErrorCode.MESSAGE_TOO_LONG: "message too long",
    RtmErrorCode.UNSUPPORTED_TYPE: "unsupported type",
    RtmErrorCode.INVALID_FRAME: "invalid frame",
    RtmErrorCode.CHANNEL_MISSING: "channel is missing",
    RtmErrorCode.INVALID_IDS: "ids must be a list of user ids",
    RtmErrorCode.IS_ARCHIVED: "channel is archived",
    RtmErrorCode.SERVER_ERROR: "cannot process message",
}


class RtmError(Exception):
    """A client frame that gets an error reply (or an error frame when it had no ``id``)."""

    def __init__(self, code: RtmErrorCode) -> None:
        super().__init__(code.msg)
        self.code = code
