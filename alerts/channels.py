"""Channels: email through the Airflow SMTP connection, Slack through an incoming-webhook connection.

Connections are resolved by the Airflow hooks, which read ``AIRFLOW_CONN_<ID>`` environment
variables (URI or JSON form) before the metadata database — inside a task and in a plain
Python process alike (checked with Airflow 3.3 and the smtp/slack providers).

Neither channel retries by itself: the SMTP message goes through the hook's smtplib client
(``send_email_smtp`` would resend up to ``retry_limit`` times and cannot send a prepared
multipart/alternative message), and the Slack client gets no retry handlers (slack_sdk
would otherwise retry a dropped connection once). Retrying is the outbox's job, so every
failure surfaces here as one DeliveryError: transient (SMTP 4xx, a dropped or refused
connection, timeouts, Slack 429/5xx) or permanent (SMTP 5xx, refused recipient, Slack
400/403/404/410 such as invalid_blocks or no_service).
"""

from __future__ import annotations

import smtplib
import socket
import urllib.error
from email.message import EmailMessage
from email.utils import parseaddr

from alerts.errors import MAY_HAVE_ARRIVED, DeliveryError
from extract.cleantext import bounded

SLACK_TIMEOUT = 30  # seconds for one webhook post
DEFAULT_RETRY_AFTER = 60  # seconds, when Slack says 429 without Retry-After
MAX_RETRY_AFTER = 3600  # a Retry-After past an hour is taken as an hour


def _code_error(what: str, code: int, text: bytes | str | None) -> DeliveryError:
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else (text or "")
    detail = " ".join(detail.split())[:200]
    transient = 400 <= code < 500
    return DeliveryError("smtp", f"{what} ({code}{' ' + detail if detail else ''})", transient=transient, code=code)


class EmailChannel:
    """Sends prepared EmailMessages over one SMTP session per run (opened on first use)."""

    def __init__(self, conn_id: str, mail_from: str):
        self.conn_id = conn_id
        self.sender = parseaddr(mail_from)[1] or mail_from
        self._hook = None

    def _client(self) -> smtplib.SMTP:
        if self._hook is None:
            from airflow.providers.common.compat.sdk import AirflowNotFoundException
            from airflow.providers.smtp.hooks.smtp import SmtpHook

            hook = SmtpHook(smtp_conn_id=self.conn_id)
            try:
                hook.get_connection(self.conn_id)  # first, so a missing connection gets a clear message
            except AirflowNotFoundException:
                raise DeliveryError("smtp", f"connection '{self.conn_id}' is not defined (set AIRFLOW_CONN_"
                                    f"{self.conn_id.upper()} or add it in Airflow)", transient=True,
                                    channel_down=True) from None
            try:
                hook.get_conn()
            except smtplib.SMTPResponseException as exc:  # greeting or login refused: the operator must fix it
                error = _code_error("server refused the session", exc.smtp_code, exc.smtp_error)
                error.transient, error.channel_down = True, True
                raise error from None
            except (OSError, smtplib.SMTPException) as exc:
                raise DeliveryError("smtp", f"cannot connect ({exc or type(exc).__name__})", transient=True,
                                    channel_down=True) from None
            except Exception as exc:  # AirflowException: 'Unable to connect to smtp server'
                raise DeliveryError("smtp", f"cannot connect ({exc})", transient=True, channel_down=True) from None
            self._hook = hook
        return self._hook._smtp_client  # the hook keeps its smtplib client private; there is no accessor

    def send(self, msg: EmailMessage) -> None:
        """Send ``msg`` to its To address; raises DeliveryError."""
        to = parseaddr(str(msg["To"]))[1]
        client = self._client()
        try:
            refused = client.send_message(msg, from_addr=self.sender, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (550, b""))
            raise _code_error("recipient refused", code, text) from None
        except smtplib.SMTPSenderRefused as exc:
            raise _code_error("sender refused", exc.smtp_code, exc.smtp_error) from None
        except smtplib.SMTPDataError as exc:
            what = "message deferred" if 400 <= exc.smtp_code < 500 else "message rejected"
            raise _code_error(what, exc.smtp_code, exc.smtp_error) from None
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            raise DeliveryError("smtp", f"connection lost ({exc or 'server disconnected'}; {MAY_HAVE_ARRIVED})",
                                transient=True, channel_down=True) from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise _code_error("server error", exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise DeliveryError("smtp", f"connection failed ({exc or type(exc).__name__})", transient=True,
                                channel_down=True) from None
        if refused:
            code, text = next(iter(refused.values()))
            raise _code_error("recipient refused", code, text)

    def _drop(self) -> None:
        if self._hook is not None:
            try:
                self._hook._smtp_client.close()
            except Exception:
                pass
            self._hook = None

    def close(self) -> None:
        if self._hook is not None:
            try:
                self._hook._smtp_client.quit()
            except Exception:
                pass
            self._drop()


class SlackChannel:
    """Posts Block Kit payloads to one incoming-webhook connection, without client-side retries."""

    def __init__(self, conn_id: str, timeout: float | None = None):
        self.conn_id = conn_id
        self.timeout = timeout or SLACK_TIMEOUT
        self._client = None

    def _webhook(self):
        if self._client is None:
            from airflow.providers.common.compat.sdk import AirflowNotFoundException
            from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

            hook = SlackWebhookHook(slack_webhook_conn_id=self.conn_id, timeout=self.timeout, retry_handlers=[])
            try:
                client = hook.client
            except AirflowNotFoundException as exc:
                raise DeliveryError("slack", f"connection '{self.conn_id}' is not usable ({exc})", transient=True,
                                    channel_down=True) from None
            if not str(client.url).lower().startswith(("http://", "https://")):
                raise DeliveryError("slack", f"connection '{self.conn_id}' has no http(s) webhook URL",
                                    transient=False)
            client.retry_handlers = []  # deterministic: the outbox decides about retries
            self._client = client
        return self._client

    def send(self, payload: dict) -> None:
        """Post ``payload``; raises DeliveryError."""
        client = self._webhook()
        try:
            resp = client.send_dict(payload)
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc or type(exc).__name__
            if isinstance(reason, ConnectionRefusedError) or "refused" in str(reason).lower():
                what = "cannot reach the webhook"  # nothing was sent
            else:
                what = f"no answer from the webhook ({MAY_HAVE_ARRIVED}; it is sent again on a later run)"
            raise DeliveryError("slack", f"{what} ({bounded(reason, 200)})", transient=True,
                                channel_down=True) from None
        status = resp.status_code
        if status == 200:
            return
        body = " ".join(str(resp.body or "").split())[:200]
        headers = {k.lower(): v for k, v in (resp.headers or {}).items()}
        if status == 429:
            retry_after = _seconds(headers.get("retry-after"))
            raise DeliveryError("slack", f"rate limited (429), retry after {retry_after:g} s", transient=True,
                                code=429, retry_after=retry_after, channel_down=True)
        if status >= 500 or status == 408:
            raise DeliveryError("slack", f"server error ({status}{' ' + body if body else ''})", transient=True,
                                code=status, channel_down=True)
        raise DeliveryError("slack", f"webhook rejected the post ({status}{' ' + body if body else ''})",
                            transient=False, code=status)

    def close(self) -> None:
        self._client = None


def _seconds(value) -> float:
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return float(DEFAULT_RETRY_AFTER)
    if seconds != seconds:  # NaN
        return float(DEFAULT_RETRY_AFTER)
    return min(float(MAX_RETRY_AFTER), max(1.0, seconds))
