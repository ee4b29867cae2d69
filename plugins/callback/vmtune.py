# SPDX-License-Identifier: Apache-2.0
"""kafka-vmtune's stdout callback: a run reads like a report (see DOCUMENTATION)."""

from __future__ import annotations

DOCUMENTATION = """
    name: vmtune
    type: stdout
    short_description: one compact block per host, then a recap with a verdict
    description:
      - Default output of the kafka-vmtune playbooks. Per play, each host gets one block
        headed C([host] play name) holding, in task order, the message of every
        C(ansible.builtin.debug) task that ran (a role marks detail as such with the debug
        task's own C(verbosity) keyword, so it appears only under -v), the C(success_msg)
        of a passing C(ansible.builtin.assert) that sets one, one line naming the changed
        tasks (C(would change) in check mode; under --diff each change gets its own line
        followed by its diff), and failures and unreachable hosts, each once, as the cause
        Ansible reports (its "Task failed / Action failed" wrappers removed, no result dump).
      - Silent at the default verbosity are skipped tasks, ok tasks that carry no message,
        argument validation, includes and imports, and play and task headers; a play where
        nothing is reported prints nothing.
      - Blocks are printed when a play ends (or, in a C(serial) play, when the next batch
        starts), so parallel hosts never interleave; hosts whose blocks are identical (the
        same failure everywhere, say) share one block. The recap keeps Ansible's per-host
        counters on one line per host and adds a verdict line.
      - With -v or more, every event is handed to the default callback unchanged.
      - Warnings and deprecations are shown by Ansible as usual, never hidden.
    extends_documentation_fragment:
      - default_callback
      - result_format_callback
    requirements:
      - set as stdout callback (ansible.cfg C(stdout_callback)).
"""

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ansible.playbook.task_include import TaskInclude
from ansible.plugins.callback.default import CallbackModule as DefaultCallback
from ansible.utils.fqcn import add_internal_fqcns
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.report.ansible_cause import (
    cause,
)
from ansible_collections.kafka_vmtune.kafka.plugins.module_utils.kafka_vmtune.report.render import (
    WIDTH,
    wrap_line,
)

from ansible import constants as C  # noqa: N812 (Ansible's own idiom)
from ansible import context

DEBUG_ACTIONS = frozenset(add_internal_fqcns(("debug",)))
ASSERT_ACTIONS = frozenset(add_internal_fqcns(("assert",)))
ASSERT_DEFAULT_SUCCESS = "All assertions passed"
ARGSPEC_ACTIONS = frozenset(add_internal_fqcns(("validate_argument_spec",)))
# Argument-spec errors name Ansible's internal string class; the value is the point.
_INTERNAL_CLASS = re.compile(r": <class '[\w.]+'> cannot be converted to an? \w+")

# Messages are wrapped to render.WIDTH (hanging indent), as the CLI's reports; diffs are
# printed as they are.

# Three methods of Ansible's CallbackBase are private, and used because ansible-core (2.19)
# has no public equivalent; tests/ansible/test_callback_api.py fails when one changes:
# - _handle_warnings(res): shows a task's warnings and deprecations. They reach a callback
#   only as the result's WarningSummary/DeprecationSummary objects, which only the private
#   Display._warning/_deprecated print as Ansible does (ansible-core's own note: "make a
#   public version of this method?").
# - _get_item_label(res): an item's label: loop_control.label (the internal key
#   _ansible_item_label), else the item, "(censored due to no_log)" under no_log.
# - _get_diff(diff): a --diff in Ansible's own format.

F = TypeVar("F", bound=Callable[..., None])


def verbose_passthrough(method: F) -> F:
    """Under -v the default callback's method of the same name handles the event."""
    name = method.__name__

    def wrapper(self: CallbackModule, *args: Any, **kwargs: Any) -> None:
        if self._display.verbosity > 0:
            getattr(DefaultCallback, name)(self, *args, **kwargs)
        else:
            method(self, *args, **kwargs)

    wrapper.__name__ = name
    wrapper.__doc__ = method.__doc__
    return wrapper  # type: ignore[return-value]


def failure_cause(result: Mapping[str, Any]) -> str:
    """The one message that says why a task failed, without Ansible's wrappers."""
    errors = result.get("argument_errors")
    if isinstance(errors, list) and errors:
        text = "; ".join(str(e) for e in errors)
    else:
        text = str(result.get("msg") or result.get("reason") or "failed (no message)")
    text = _INTERNAL_CLASS.sub("", cause(text))
    stderr = str(result.get("stderr") or "").strip()
    if stderr and stderr not in text:
        text += "\n" + "\n".join(stderr.splitlines()[-3:])
    return text


def message_lines(value: Any, width: int = WIDTH) -> list[str]:
    """A debug msg as lines of at most `width` columns: a list gives one line per item."""
    items = value if isinstance(value, list) else [value]
    lines = [line for item in items for line in str(item).splitlines()]
    return [part for line in lines for part in wrap_line(line, width)]


class CallbackModule(DefaultCallback):  # type: ignore[misc]
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "vmtune"

    def __init__(self) -> None:
        super().__init__()
        self._play_name = ""
        self._serial = False
        self._blocks: dict[str, list[str]] = {}
        self._tasks_seen: set[str] = set()
        self._pending_diff: dict[str, str] = {}
        self._looped: set[tuple[str, str]] = set()
        self._change_line: dict[str, int] = {}

    # -- the per-host blocks ---------------------------------------------------------------

    def _add(self, result: Any, *lines: str) -> None:
        self._blocks.setdefault(result.host.get_name(), []).extend(lines)

    def _flush(self) -> None:
        """Print the play's blocks; hosts with identical blocks share one (said once)."""
        same: dict[tuple[str, ...], list[str]] = {}
        for host, lines in self._blocks.items():
            if lines:
                same.setdefault(tuple(lines), []).append(host)
        for block, hosts in same.items():
            names = ", ".join(hosts[:4]) + (f" (+{len(hosts) - 4})" if len(hosts) > 4 else "")
            self._display.display(f"[{names}] {self._play_name}", color=C.COLOR_HIGHLIGHT)
            for line in block:
                self._display.display(line, color=self._color_of(line))
        self._blocks = {}
        self._pending_diff = {}
        self._looped = set()
        self._change_line = {}

    @staticmethod
    def _color_of(line: str) -> str | None:
        if line.startswith(("FAILED", "UNREACHABLE")):
            return str(C.COLOR_ERROR)
        if line.startswith(("changed:", "would change:")):
            return str(C.COLOR_CHANGED)
        return None

    def _changed_label(self) -> str:
        return "would change" if context.CLIARGS.get("check") else "changed"

    def _task_label(self, result: Any, item: bool = False) -> str:
        label = str(result.task_name or result.task.get_name()).strip()
        if result.task.action in ARGSPEC_ACTIONS:  # the implicit check of a role's variables
            role = result.task._role.get_name() if result.task._role else "role"
            label = f"{role}: Validation of arguments failed"
        if item:
            label += f" ({self._get_item_label(result.result)})"
        return label

    def _report(self, result: Any, item: bool = False) -> None:
        """Add what an ok or changed result has to say to its host's block."""
        # result.result is a deep copy of the whole result (a host report: hundreds of values,
        # a tenth of a capacity check's control-node time): made only when printed from.
        if result.task.action not in (*DEBUG_ACTIONS, *ASSERT_ACTIONS):
            if result.warnings or result.deprecations:
                self._handle_warnings(result.result)
            if result.is_changed():
                self._changed(result, item)
            return
        res = result.result
        self._handle_warnings(res)
        res.pop("exception", None)
        if result.task.action in DEBUG_ACTIONS:
            if "msg" in res:
                self._add(result, *message_lines(res["msg"]))
            else:  # debug var=NAME: the one key that is not Ansible's own
                for key, value in res.items():
                    if not key.startswith("_") and key not in self._hide_in_debug:
                        self._add(result, *message_lines(f"{key}: {value}"))
            return
        # A passing assert shows the success_msg a role wrote for it, not Ansible's default.
        if res.get("msg") and res["msg"] != ASSERT_DEFAULT_SUCCESS:
            self._add(result, *message_lines(res["msg"]))
        if res.get("changed", False):
            self._changed(result, item)

    def _changed(self, result: Any, item: bool) -> None:
        """One line per host names the changes; a change with a diff gets its own line."""
        host, label = result.host.get_name(), self._task_label(result, item)
        diff = self._pending_diff.pop(host, "")
        block = self._blocks.setdefault(host, [])
        if diff:
            self._add(result, f"{self._changed_label()}: {label}")
            self._add(result, *diff.rstrip("\n").splitlines())
        elif host in self._change_line and len(block[self._change_line[host]] + label) < WIDTH:
            block[self._change_line[host]] += f"; {label}"
        else:
            self._change_line[host] = len(block)
            self._add(result, f"{self._changed_label()}: {label}")

    def _failed(self, result: Any, item: bool = False, ignored: bool = False) -> None:
        res = result.result
        self._handle_warnings(res)
        res.pop("exception", None)  # the cause is in msg; -v shows the exception
        head = "failed (ignored)" if ignored else "FAILED"
        cause = failure_cause(res).splitlines()
        first = f"{head}: {self._task_label(result, item)}: {cause[0]}"
        self._add(result, *message_lines([first, *cause[1:]]))

    # -- events ------------------------------------------------------------------------------

    @verbose_passthrough
    def v2_playbook_on_start(self, playbook: Any) -> None:
        mode = " (check mode: nothing is changed)" if context.CLIARGS.get("check") else ""
        name = str(playbook._file_name).rsplit("/", 1)[-1]
        self._display.display(f"PLAYBOOK {name}{mode}", color=C.COLOR_HIGHLIGHT)

    def v2_playbook_on_play_start(self, play: Any) -> None:
        self._flush()
        self._play_name = str(play.get_name()).strip()
        self._serial = bool(play.serial)
        self._tasks_seen = set()
        if self._display.verbosity > 0:
            super().v2_playbook_on_play_start(play)

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        # A serial play starts its tasks again for each batch: the last batch is complete.
        if self._serial and task._uuid in self._tasks_seen:
            self._flush()
            self._tasks_seen = set()
        self._tasks_seen.add(task._uuid)
        if self._display.verbosity > 0:
            super().v2_playbook_on_task_start(task, is_conditional)

    @verbose_passthrough
    def v2_playbook_on_handler_task_start(self, task: Any) -> None:
        pass

    @verbose_passthrough
    def v2_playbook_on_include(self, included_file: Any) -> None:
        pass

    @verbose_passthrough
    def v2_playbook_on_no_hosts_matched(self) -> None:
        pass

    @verbose_passthrough
    def v2_playbook_on_no_hosts_remaining(self) -> None:
        pass

    @verbose_passthrough
    def v2_runner_on_start(self, host: Any, task: Any) -> None:
        # Hosts start in inventory order: their blocks are printed in that order.
        self._blocks.setdefault(host.get_name(), [])

    @verbose_passthrough
    def v2_runner_on_skipped(self, result: Any) -> None:
        pass

    @verbose_passthrough
    def v2_runner_item_on_skipped(self, result: Any) -> None:
        pass

    @verbose_passthrough
    def v2_on_file_diff(self, result: Any) -> None:
        if result.task.loop and "results" in result.result:
            return  # each item's diff came with the item
        diff = result.result.get("diff")
        if diff and result.result.get("changed", False):
            self._pending_diff[result.host.get_name()] = self._get_diff(diff)

    @verbose_passthrough
    def v2_runner_on_ok(self, result: Any) -> None:
        if isinstance(result.task, TaskInclude):
            return
        if (result.host.get_name(), result.task._uuid) in self._looped:
            self._handle_warnings(result.result)
            return  # its items were reported one by one
        self._report(result)

    @verbose_passthrough
    def v2_runner_item_on_ok(self, result: Any) -> None:
        if isinstance(result.task, TaskInclude):
            return
        self._looped.add((result.host.get_name(), result.task._uuid))
        self._report(result, item=True)

    @verbose_passthrough
    def v2_runner_item_on_failed(self, result: Any) -> None:
        self._looped.add((result.host.get_name(), result.task._uuid))
        self._failed(result, item=True)

    @verbose_passthrough
    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        if (result.host.get_name(), result.task._uuid) in self._looped:
            self._handle_warnings(result.result)
            return  # the failed items said why
        self._failed(result, ignored=ignore_errors)

    @verbose_passthrough
    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._handle_warnings(result.result)
        self._add(result, *message_lines(f"UNREACHABLE: {failure_cause(result.result)}"))

    @verbose_passthrough
    def v2_runner_retry(self, result: Any) -> None:
        res = result.result
        left = int(res.get("retries", 0)) - int(res.get("attempts", 0))
        self._add(result, f"retrying: {self._task_label(result)} ({left} left)")

    @verbose_passthrough
    def v2_runner_on_async_poll(self, result: Any) -> None:
        pass

    @verbose_passthrough
    def v2_runner_on_async_ok(self, result: Any) -> None:
        pass

    @verbose_passthrough
    def v2_runner_on_async_failed(self, result: Any) -> None:
        pass

    @verbose_passthrough
    def v2_playbook_on_stats(self, stats: Any) -> None:
        self._flush()
        self._display.display("")
        names = sorted(stats.processed.keys())
        width = max((len(n) for n in names), default=0)
        for host in names:
            t = stats.summarize(host)
            self._display.display(
                f"{host:<{width}} : ok={t['ok']} changed={t['changed']}"
                f" unreachable={t['unreachable']} failed={t['failures']} skipped={t['skipped']}"
                f" rescued={t['rescued']} ignored={t['ignored']}"
            )
        verdict, color = self._verdict(stats, names)
        self._display.display(verdict, color=color)

    def _verdict(self, stats: Any, names: list[str]) -> tuple[str, str]:
        sums = {h: stats.summarize(h) for h in names}
        failed = [h for h, t in sums.items() if t["failures"]]
        unreachable = [h for h, t in sums.items() if t["unreachable"]]
        rescued = [h for h, t in sums.items() if t["rescued"]]
        changes = sum(t["changed"] for t in sums.values())
        hosts = f"{len(names)} host{'' if len(names) == 1 else 's'}"
        if failed or unreachable:
            parts = [f"failed on {', '.join(failed)}"] if failed else []
            parts += [f"unreachable: {', '.join(unreachable)}"] if unreachable else []
            return f"FAILED ({hosts}): {'; '.join(parts)}", str(C.COLOR_ERROR)
        if context.CLIARGS.get("check"):
            what = f"{changes} change{'' if changes == 1 else 's'} would be made (check mode)"
        else:
            what = f"{changes} change{'' if changes == 1 else 's'} made"
        note = f"; recovered from a failure: {', '.join(rescued)}" if rescued else ""
        return f"OK ({hosts}): {what}{note}", str(C.COLOR_OK)
