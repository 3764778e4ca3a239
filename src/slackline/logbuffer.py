"""Logging for the ``slackline`` process: one line per record, cheap enough for the hot path.

The access log writes a line for every request, so a line must cost little: the timestamp
text is computed once per second, records are buffered and written together at most every
``FLUSH_INTERVAL_SECS`` (a line reaches the log within that), at once for warnings and
errors, and at exit (``logging.shutdown`` flushes every handler).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import IO

FLUSH_INTERVAL_SECS = 0.1
MAX_BUFFERED_BYTES = 64 * 1024
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class SecondCachedFormatter(logging.Formatter):
    """``logging.Formatter``'s default time format, computing the date text once a second."""

    def __init__(self, fmt: str = LOG_FORMAT) -> None:
        super().__init__(fmt)
        self._second = -1
        self._second_text = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        """``YYYY-MM-DD HH:MM:SS,mmm`` in local time, as the default formatter writes it."""
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        return self.stamp(record.created, record.msecs)

    def stamp(self, created: float, msecs: float) -> str:
        """The time text for a record created at ``created`` (``msecs`` its milliseconds)."""
        second = int(created)
        if second != self._second:
            self._second = second
            self._second_text = time.strftime("%Y-%m-%d %H:%M:%S", self.converter(second))
        return f"{self._second_text},{int(msecs):03d}"

    def line(self, created: float, level: str, name: str, message: str) -> str | None:
        """The line :data:`LOG_FORMAT` makes of these, or None if this formatter uses another."""
        if self._fmt != LOG_FORMAT:
            return None
        msecs = (created - int(created)) * 1000
        return f"{self.stamp(created, msecs)} {level} {name} {message}"


class JsonLineFormatter(SecondCachedFormatter):
    """One JSON object per line (``--log-format json``): ``time``, ``level``, ``logger``,
    ``message``, and ``exception`` (the traceback text) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON line."""
        document = {
            "time": self.stamp(record.created, record.msecs),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False)

    def line(self, created: float, level: str, name: str, message: str) -> str | None:
        """The JSON line of a message made without a log record."""
        msecs = (created - int(created)) * 1000
        document = {"time": self.stamp(created, msecs), "level": level, "logger": name,
                    "message": message}  # fmt: skip
        return json.dumps(document, ensure_ascii=False)


class BufferedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes buffered lines together (see the module docstring)."""

    def __init__(self, stream: IO[str], interval_secs: float = FLUSH_INTERVAL_SECS) -> None:
        super().__init__(stream)
        self._lines: list[str] = []
        self._buffered = 0
        self._stop = threading.Event()
        self._flusher = threading.Thread(
            target=self._flush_every, args=(interval_secs,), name="log-flush", daemon=True
        )
        self._flusher.start()

    def emit(self, record: logging.LogRecord) -> None:
        """Buffer the formatted line; write now for warnings, errors or a full buffer."""
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._lines.append(line)
        self._buffered += len(line)
        if record.levelno >= logging.WARNING or self._buffered > MAX_BUFFERED_BYTES:
            self._write()

    def write_line(self, level: str, name: str, message: str) -> bool:
        """Buffer a line made without a log record; False if the formatter cannot make it."""
        formatter = self.formatter
        if not isinstance(formatter, SecondCachedFormatter):
            return False
        line = formatter.line(time.time(), level, name, message)
        if line is None:
            return False
        self.acquire()
        try:
            self._lines.append(line)
            self._buffered += len(line)
            if self._buffered > MAX_BUFFERED_BYTES:
                self._write()
        finally:
            self.release()
        return True

    def flush(self) -> None:
        """Write every buffered line."""
        self.acquire()
        try:
            self._write()
        finally:
            self.release()

    def close(self) -> None:
        """Write what is buffered and stop the flushing thread."""
        self._stop.set()
        self.flush()
        super().close()

    def _write(self) -> None:
        if not self._lines:
            return
        text = "\n".join(self._lines) + "\n"
        self._lines.clear()
        self._buffered = 0
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # the stream is gone (closed at exit, broken pipe): nothing can be logged

    def _flush_every(self, interval_secs: float) -> None:
        while not self._stop.wait(interval_secs):
            self.flush()


def configure_logging(level: str, stream: IO[str], log_format: str = "text") -> None:
    """Log to ``stream`` through :class:`BufferedStreamHandler`, unless already configured;
    ``log_format`` is ``text`` (:data:`LOG_FORMAT`) or ``json`` (:class:`JsonLineFormatter`).

    Like ``logging.basicConfig``, nothing changes when the root logger has handlers (tests
    capture logs their own way). Records skip caller, thread and process lookups, which the
    format never shows.
    """
    root = logging.getLogger()
    if root.handlers:
        return
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None
    handler = BufferedStreamHandler(stream)
    json_lines = log_format == "json"
    handler.setFormatter(JsonLineFormatter() if json_lines else SecondCachedFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())


def flush_logging() -> None:
    """Write whatever the root logger's handlers hold."""
    for handler in logging.getLogger().handlers:
        handler.flush()


class LineLogger:
    """Cheap ``INFO`` lines (the access log): one f-string, no log record.

    When the line would only reach the process's :class:`BufferedStreamHandler` (no other
    handler, filter or non-propagating logger on the way, as :func:`configure_logging` sets
    up), it is formatted and buffered directly; otherwise (tests capturing logs, any other
    configuration) it goes through ``logging`` as usual, so the output is the same.
    """

    __slots__ = ("_logger",)

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger

    def info(self, message: str) -> None:
        """Log ``message`` (already formatted) at INFO."""
        logger = self._logger
        if not logger.isEnabledFor(logging.INFO):
            return
        handler = _sole_handler(logger)
        if handler is None or not handler.write_line("INFO", logger.name, message):
            logger.info("%s", message)


def _sole_handler(logger: logging.Logger) -> BufferedStreamHandler | None:
    """The buffered handler if it is the only place an INFO record of ``logger`` goes."""
    if logger.filters:
        return None
    current: logging.Logger | None = logger
    while current is not None:
        if current.parent is None:  # the root logger
            handlers = current.handlers
            if len(handlers) != 1:
                return None
            handler = handlers[0]
            if not isinstance(handler, BufferedStreamHandler) or handler.filters:
                return None
            return handler if handler.level <= logging.INFO else None
        if current.handlers or not current.propagate:
            return None
        current = current.parent
    return None
