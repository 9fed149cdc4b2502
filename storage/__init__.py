"""Persistence: SQLAlchemy 2 async models, repositories and Alembic migrations.

storage.db:
    create_engine_from_url(url=DEFAULT_URL, **kwargs) -> AsyncEngine
        SQLite: creates the file's directory; WAL, foreign_keys=ON, busy_timeout=5000,
        every transaction BEGIN IMMEDIATE. PostgreSQL (postgresql+asyncpg://...): pool_pre_ping.
    make_sessionmaker(engine) -> async_sessionmaker[AsyncSession]   (expire_on_commit=False)
    async migrate(url=DEFAULT_URL) -> None    Alembic `upgrade head`; safe at every start and
        from several processes at once (pg_advisory_lock on PostgreSQL)
    alembic_config(url=None) -> alembic.config.Config   (packaged migrations, no ini file)
storage.models: Base, Customer, InboxUpdate, Message, KBDecision, Feedback, Ticket, TicketEvent,
    MessageLink, KeyValue; Literal aliases Tier, InboxStatus, Direction, MessageKind,
    DecisionKind, TicketStatus, Priority, HandoffReason, LinkDirection.
storage.timestamps: utcnow() -> datetime (aware UTC), UTCDateTime column type.
storage.repositories (async; session first; never commit; `from storage import repositories`):
    customers: upsert_customer(session, *, user_id, first_name, last_name=None, username=None,
        language_code=None, seen_at=None) -> Customer; get_customer(session, user_id);
        set_customer_tier(session, *, user_id, tier) -> bool;
        set_customer_banned(session, *, user_id, banned) -> bool;
        list_customers(session, *, tier=None, ids=None) -> list[Customer]
    inbox: inbox_add(session, update_id, chat_id, payload: Mapping | str) -> bool (False: seen);
        inbox_pending(session, limit=100) -> list[InboxUpdate] (by update_id);
        inbox_mark(session, update_id, status, error=None, *, at=None) -> bool (attempts += 1);
        inbox_get(session, update_id); inbox_purge(session, *, before) -> int
    interactions: log_message(session, *, customer_id, direction, kind, chat_id, text=None,
        ticket_id=None, telegram_message_id=None, update_id=None, author=None, agent_id=None,
        agent_name=None, at=None) -> Message;
        record_decision(session, *, customer_id, query, kind, confidence, hits: Iterable[HitLike],
        article_id=None, message_id=None, at=None) -> KBDecision; get_decision(session, id);
        record_feedback(session, *, decision_id, customer_id, helpful, at=None) -> bool (once);
        feedback_for(session, decision_id) -> Feedback | None
    tickets: get_ticket(session, id); open_ticket_for(session, *, customer_id);
        last_ticket_for(session, *, customer_id); ticket_by_opening_update(session, *, update_id);
        create_ticket(session, *, customer_id, question, reason, tried, agent_chat_id,
            priority="normal", opening_update_id=None, first_response_due=None, opened_at=None)
            -> tuple[Ticket, bool]   (race-safe: the loser gets the existing ticket);
        claim_ticket(session, ticket_id, agent_id, agent_name, *, from_statuses=CLAIMABLE)
            -> ClaimResult(outcome, ticket; .won, .holder_id, .holder_name);
        escalate_ticket(session, ticket_id, *, now=None, from_statuses=ESCALATABLE);
        set_l2_response_due(session, ticket_id, *, due) -> bool;
        set_ticket_status(session, ticket_id, *, from_statuses, to_status);
        close_ticket(session, ticket_id, *, closed_by, now=None, from_statuses=CLOSABLE)
            -> TransitionResult(outcome, ticket; .ok);
        rate_ticket(session, ticket_id, *, rating, comment=None, customer_id=None)
            -> tuple[RateOutcome, Ticket | None]; set_rating_comment(session, id, *, comment);
        touch_customer / touch_agent(session, ticket_id, *, at) -> Ticket | None;
        set_ticket_topic(session, ticket_id, *, thread_id, card_message_id=None,
            agent_chat_id=None); set_card_message(session, id, *, card_message_id);
        set_customer_blocked(session, id, *, blocked=True);
        ticket_by_thread(session, *, agent_chat_id, thread_id) -> Ticket | None;
        list_open_tickets(session, *, agent_chat_id=None, limit=None, left_chat_id=None)
            (longest wait first; left_chat_id: those escalated out of it to the L2 group);
        count_open_tickets(session, *, agent_chat_id=None, left_chat_id=None) -> int;
        has_served(session, agent_chat_id) -> bool;
        list_overdue_tickets(session, *, now, without_event=None, clock="first");
        withdraw_first_response / withdraw_l2_response(session, ticket_id, *, at) -> bool;
        move_agent_chat(session, *, old_chat_id,
            new_chat_id) -> int; add_ticket_event(session, *, ticket_id, kind, actor_id=None,
            data=None, at=None) -> TicketEvent; ticket_events(session, *, ticket_id,
            kind=None)
    links: link_messages(session, *, ticket_id, customer_chat_id, customer_message_id,
        agent_chat_id, agent_message_id, direction, media_group_id=None, forwarded=False,
        agent_id=None, agent_name=None) -> bool;
        find_link_by_agent_message(session, *, agent_chat_id, agent_message_id);
        find_link_by_customer_message(session, *, customer_chat_id, customer_message_id,
        direction=None); recent_history(session, ticket_id, limit) -> History (each message
        once, albums together, who wrote each; how many earlier ones were left out)
    kv: kv_get(session, key, default=None) -> Any; kv_set(session, key, value) -> None
    alerts: queue_alert(session, *, ticket_id, kind, audience, at=None);
        pending_alerts(session, *, limit) -> list[(PendingAlert, Ticket)];
        drop_alerts(session, ids)
"""
