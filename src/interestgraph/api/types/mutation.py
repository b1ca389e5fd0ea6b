"""The root ``Mutation`` type: record live events, forget a user. Both need a write key."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry

from interestgraph.api.context import Info
from interestgraph.api.types.user import EventType, User
from interestgraph.errors import BadInput, NotFound
from interestgraph.privacy import forget_user, user_record_files
from interestgraph.serving.live_events import LiveEvent, record_events


@strawberry.input(description="One thing a shopper did, as the app saw it.")
class EventInput:
    id: strawberry.ID = strawberry.field(
        description="The app's own id of this event: sending it again records nothing new."
    )
    user_id: strawberry.ID = strawberry.field(description="The shop's own user id.")
    item_id: strawberry.ID
    type: EventType
    at: datetime | None = strawberry.field(
        default=None,
        description=(
            "When it happened (ISO 8601; UTC when no zone is given); when the API received it "
            "if omitted."
        ),
    )
    value: float | None = strawberry.field(
        default=None,
        description="Units for ADD_TO_CART and PURCHASE (default 1); the rating 1-5 for RATE.",
    )

    def to_event(self) -> LiveEvent:
        return LiveEvent(
            event_id=str(self.id),
            user_id=str(self.user_id),
            item_id=str(self.item_id),
            type=self.type.value,
            at=self.at,
            value=self.value,
        )


@strawberry.type(description="What recordEvents stored.")
class RecordEventsPayload:
    received: int
    recorded: int = strawberry.field(description="Events new to the graph, now stored.")
    duplicates: int = strawberry.field(
        description="Events already stored (sent before) or sent twice in this call."
    )
    folded_in: int = strawberry.field(
        description="Users whose embedding was recomputed from their events (needs a model)."
    )
    users: list[User] = strawberry.field(
        description="The events' users, refreshed: ask for their recommendations here."
    )


@strawberry.type(description="What forgetUser removed.")
class ForgetUserPayload:
    nodes_removed: int
    relationships_removed: int
    file_lines_removed: int = strawberry.field(
        description="Lines naming the user removed from files kept outside the graph."
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description=(
            "Record events idempotently (by their ids), then refresh the users' interest "
            "profiles and fold in their embeddings, so their recommendations reflect the events "
            "at once. All or nothing: one invalid event refuses the call (BAD_INPUT, each "
            "problem listed) and records none."
        )
    )
    async def record_events(self, info: Info, events: list[EventInput]) -> RecordEventsPayload:
        services = info.context.services
        limit = services.settings.api_max_events
        if len(events) > limit:
            raise BadInput(f"at most {limit} events per call, got {len(events)}")
        result = await asyncio.to_thread(
            record_events,
            services.driver,
            [e.to_event() for e in events],
            pseudonym=services.pseudonymizer.user_id,
            interests=services.interests,
            clock=services.clock,
        )
        shop_ids = {services.pseudonymizer.user_id(str(e.user_id)): str(e.user_id) for e in events}
        return RecordEventsPayload(
            received=result.received,
            recorded=result.recorded,
            duplicates=result.duplicates,
            folded_in=result.folded_in,
            users=[User(id=strawberry.ID(shop_ids[p]), pseudonym=p) for p in result.users],
        )

    @strawberry.mutation(
        description=(
            "Remove the user (the shop's own id) and everything derived from them, as "
            "`interestgraph forget` does; NOT_FOUND when nothing of them is stored."
        )
    )
    async def forget_user(self, info: Info, id: strawberry.ID) -> ForgetUserPayload:
        services = info.context.services
        pseudonym = services.pseudonymizer.user_id(str(id))
        try:
            report = await asyncio.to_thread(
                forget_user,
                services.driver,
                pseudonym,
                files=user_record_files(services.settings),
            )
        except NotFound as e:
            raise NotFound(f"no user with id '{id}'") from e
        return ForgetUserPayload(
            nodes_removed=report.nodes_removed,
            relationships_removed=report.relationships_removed,
            file_lines_removed=report.file_lines,
        )
