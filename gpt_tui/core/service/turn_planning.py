"""What a turn would send, worked out before anything goes out: whether it makes sense,
the history it sends, whether it fits the context window, what it would cost, and the
request itself (for the turn, and shown as code)."""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import replace

from gpt_tui.core.domain.attachments import Attachment
from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message, MessageStatus, Usage
from gpt_tui.core.domain.tool_turn import in_tool_turn, pending_calls
from gpt_tui.core.planning.planner import RequestEstimate
from gpt_tui.core.planning.request_code import RequestCode
from gpt_tui.core.providers.base import ChatRequest
from gpt_tui.core.service.attachments import AttachmentService
from gpt_tui.core.service.connections import Connections
from gpt_tui.core.service.events import TurnPlan


class TurnPlanning:
    """Plans turns for :class:`~gpt_tui.core.service.chat.ChatService`."""

    def __init__(self, connections: Connections, streaming: Set[str]) -> None:
        """``streaming``: the ids of conversations streaming now (the service's own set)."""
        self._connections = connections
        self._planner = connections.planner
        self._streaming = streaming

    def request(self, params: Params, history: list[Message]) -> ChatRequest:
        """The request that sends ``history`` with ``params`` (history trimmed to the
        context setting)."""
        base_url = self._connections.base_url_for(params)
        request, _selection = self._planner.request(params, history, base_url)
        return request

    def estimated_usage(self, request: ChatRequest, reply_text: str) -> Usage:
        """Usage counted locally, for servers that report none (marked estimated)."""
        return self._planner.estimated_usage(request, reply_text)

    def can_retry(self, conversation: Conversation) -> bool:
        """Whether the last prompt has no good reply yet (failed, interrupted or none)."""
        last = conversation.messages[-1] if conversation.messages else None
        if last is None or conversation.id in self._streaming:
            return False
        if last.role == "tool":
            return not pending_calls(conversation.messages)
        return last.role == "user" or last.status in (
            MessageStatus.ERROR,
            MessageStatus.INTERRUPTED,
        )

    def estimate(
        self,
        conversation: Conversation,
        draft: str,
        editing: str | None = None,
        attachments: Sequence[Attachment] = (),
        *,
        params: Params | None = None,
    ) -> RequestEstimate:
        """Tokens, context use and maximum cost of sending ``draft`` with ``attachments``
        now (in place of the past prompt ``editing``, when one is being edited), with
        ``params`` or the conversation's."""
        history = list(conversation.messages)
        if editing is not None and editing in conversation.tree:
            parent = conversation.tree.parent_id(editing)
            history = [] if parent is None else conversation.tree.path_to(parent)
        params = params or conversation.params
        return self._planner.estimate(
            params, history, draft, self._connections.base_url_for(params), attachments
        )

    def refusal(self, conversation: Conversation, plan: TurnPlan) -> str | None:
        """Why this turn would be refused before anything goes out, or None."""
        if conversation.id in self._streaming:
            return "A reply is still streaming here: wait, or press Esc to stop it."
        problem = self._plan_problem(conversation, plan) or self._tools_problem(conversation)
        if problem is None:
            problem = self._planner.format_problem(conversation.params)
        if problem is not None:
            return problem
        history = self.history(conversation, plan)
        params = plan.params or conversation.params
        sent = [a for m in history if m.sent_in_history for a in m.attachments]
        if sent:
            vision = self._connections.vision_for(params)
            refused = AttachmentService.refusal(params.model, sent, vision)
            if refused is not None:
                return refused
        base_url = self._connections.base_url_for(params)
        selection = self._planner.select(params, history, base_url)
        if selection.over_by > 0 and self._planner.counter.is_ready(params.model):
            window = self._planner.info(params.model, base_url)
            size = f" of {window.context_window:,}" if window and window.context_window else ""
            return (
                f"This request is {selection.over_by:,} tokens over the context window{size} "
                "(prompt + max_tokens). Shorten the prompt, lower max_tokens, or choose "
                "'fit' / 'last turns' in the panel."
            )
        return None

    def request_code(
        self, conversation: Conversation, draft: str, attachments: Sequence[Attachment] = ()
    ) -> RequestCode:
        """The next request — the history and ``draft`` as the prompt — as Python and curl,
        built by the same planner as a real send, key redacted (see
        :mod:`gpt_tui.core.planning.request_code`)."""
        from gpt_tui.core.planning.request_code import request_code

        params = conversation.params
        history = list(conversation.messages)
        if draft.strip() or attachments:
            history.append(
                Message(role="user", content=draft, id="draft", attachments=tuple(attachments))
            )
        profile, rejected = self._connections.request_profile(params)
        return request_code(self.request(params, history), profile, rejected)

    def _tools_problem(self, conversation: Conversation) -> str | None:
        """Why the conversation's ``tools`` cannot be sent (a name nobody defined), or None."""
        names = conversation.params.extra.tools
        if not names:
            return None
        _found, missing = self._planner.tools.resolve(names)
        return self._planner.tools.problem(missing) if missing else None

    def _plan_problem(self, conversation: Conversation, plan: TurnPlan) -> str | None:
        """Why ``plan`` makes no sense for this conversation (before counting tokens)."""
        tree = conversation.tree
        if plan.kind == "retry":
            return (
                None
                if self.can_retry(conversation)
                else ("There is no unanswered prompt to send again.")
            )
        if plan.kind == "send":
            waiting = pending_calls(conversation.messages)
            if waiting:
                return (
                    f"The model is waiting for the result of {waiting[0].name}: type it and "
                    "press Enter, or ask for another reply."
                )
            return None
        target = tree.get(plan.target or "")
        if target is None:
            return "That message is no longer in this conversation."
        if plan.kind == "edit" and target.role != "user":
            return "Only your own messages can be edited and sent again."
        if plan.kind == "regenerate" and anchor(conversation, target) is None:
            return "There is no prompt before this message to answer again."
        if plan.kind == "continue":
            if target.role != "assistant" or not target.content:
                return "Only a reply with some text can be continued."
            if tree.children(target.id):
                return "Only the last reply of a branch can be continued."
        return None

    def history(self, conversation: Conversation, plan: TurnPlan) -> list[Message]:
        """The history ``plan`` would send (a draft prompt stands in for a new one)."""
        tree = conversation.tree
        target = tree.get(plan.target or "")
        if plan.kind in ("send", "retry"):
            history = list(conversation.messages)
        elif plan.kind == "edit" and target is not None:
            parent = tree.parent_id(target.id)
            history = [] if parent is None else tree.path_to(parent)
        elif plan.kind == "regenerate" and target is not None:
            first = anchor(conversation, target)
            history = [] if first is None else tree.path_to(first)
        elif plan.kind == "continue" and target is not None:
            history = continue_history(tree.path_to(target.id))
        else:
            history = []
        if plan.prompt is not None:
            history.append(
                Message(role="user", content=plan.prompt, id="draft", attachments=plan.attachments)
            )
        return history


def anchor(conversation: Conversation, target: Message) -> str | None:
    """The message a new reply to ``target``'s prompt follows (for "regenerate").

    A reply within a tool turn (after tool results) is asked again from the user's
    prompt: the whole tool turn, calls included, is asked again.
    """
    if target.role == "user":
        return target.id
    tree = conversation.tree
    parent = tree.parent_id(target.id)
    while parent is not None and (before := tree.get(parent)) is not None and in_tool_turn(before):
        parent = tree.parent_id(parent)
    return parent


def continue_history(path: list[Message]) -> list[Message]:
    """The history of a "continue" turn: the path down to the reply, whose partial text is
    sent as the last (assistant) message whatever its status, so the model goes on from it.
    OpenAI-compatible servers answer a request ending in an assistant message with more
    text; servers that support prefill continue the very same sentence."""
    *before, reply = path
    return [*before, replace(reply, status=MessageStatus.COMPLETE)]
