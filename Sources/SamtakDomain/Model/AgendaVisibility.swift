import Foundation

/// An agenda item as the visibility rule sees it: its own title, or the case behind it.
public struct AgendaItemFacts: Sendable, Hashable {
    /// The case behind an item, with its arena's scope already in `facts.arena`.
    public struct CaseOnAgenda: Sendable, Hashable {
        public var id: UUID
        public var facts: CaseFacts
        public var arenaId: UUID?
        public var childId: UUID?
        public var title: String
        public var grade: Int?
        public init(id: UUID, facts: CaseFacts, arenaId: UUID?, childId: UUID?, title: String, grade: Int?) {
            self.id = id
            self.facts = facts
            self.arenaId = arenaId
            self.childId = childId
            self.title = title
            self.grade = grade
        }
    }

    public var id: UUID
    public var position: Int
    /// The item's own title (an item without a case).
    public var title: String?
    public var onAgenda: CaseOnAgenda?
    public init(id: UUID, position: Int, title: String?, onAgenda: CaseOnAgenda?) {
        self.id = id
        self.position = position
        self.title = title
        self.onAgenda = onAgenda
    }
}

/// The facts about the children on one agenda (or many) that consent decides: loaded in
/// one batch (relations and consents of every child involved) and read afresh each time.
public struct ChildFactsBatch: Sendable {
    public var relations: [UUID: ChildRelations]
    public var consents: [UUID: [ConsentGrant]]
    public init(relations: [UUID: ChildRelations] = [:], consents: [UUID: [ConsentGrant]] = [:]) {
        self.relations = relations
        self.consents = consents
    }
}

/// Who looks at an agenda, and how they stand to the meeting.
public struct AgendaViewer: Sendable {
    public var principal: Principal
    /// Takes part in the meeting (its organiser, a participant of its arena, one of its
    /// explicit participants, or the owner of a case on it who sees that case in full):
    /// sees the items without a case and the cases it may see only redacted.
    public var takesPart: Bool
    /// Around one child: invited by the coordinator, or whoever called it.
    public var invited: Bool
    /// The arenas the viewer takes part in (a case's arena makes its participants involved).
    public var arenas: Set<UUID>
    /// Invited for part of the meeting only ("til deler av møtet"): the agenda items the
    /// viewer takes part in; nil for the whole meeting. Outside these items the viewer is
    /// like someone who does not take part (sees only what they may see in full).
    public var partOnly: Set<UUID>?
    public init(principal: Principal, takesPart: Bool, invited: Bool, arenas: Set<UUID>, partOnly: Set<UUID>? = nil) {
        self.principal = principal
        self.takesPart = takesPart
        self.invited = invited
        self.arenas = arenas
        self.partOnly = partOnly
    }

    /// Whether the viewer takes part in the meeting while `item` is discussed.
    public func takesPart(in item: UUID) -> Bool {
        takesPart && (partOnly?.contains(item) ?? true)
    }
}

/// One item as a viewer sees it.
public struct VisibleAgendaItem: Sendable, Hashable {
    public var id: UUID
    public var position: Int
    public var caseId: UUID?
    public var title: String
    /// False when the case is shown redacted ("Sak 3: elev 5. trinn, anonymisert").
    public var full: Bool
    /// The child whose case this is, when it is shown in full.
    public var childId: UUID?
}

/// A read of a child's data (or of a named case shown redacted, with no child) that the
/// view shows: written to `access_log` by whoever returns or sends the view, once.
public struct AgendaDisclosure: Sendable, Hashable {
    /// Nil: a named case shown redacted (the read is logged, the child is not disclosed).
    public var childId: UUID?
    public var basis: AccessBasis
    public var consentId: UUID?
}

/// What a viewer sees of an agenda, and the disclosures that showing it makes.
public struct AgendaView: Sendable, Hashable {
    public var items: [VisibleAgendaItem]
    public var disclosures: [AgendaDisclosure]
    /// Around one child: whether (and on which basis) the viewer reads what is about the
    /// child (the items without a case, the general notes of the minutes). Nil for any other meeting.
    public var childContent: AccessDecision?
    /// Whether what is about the child (items without a case, general notes) is shown.
    public var seesChildContent: Bool { childContent.map(\.canSeeChild) ?? true }
}

/// The one rule for what part of a meeting's agenda a viewer sees, for the API's reads and
/// the notifier's copies alike. Pure: the caller loads the facts (in one batch) and records
/// the returned disclosures where it shows the items; a yes/no check records nothing.
public enum AgendaVisibility {
    /// The agenda as `viewer` may see it; nil when they may see nothing of the meeting (no
    /// part in it and no item they may see in full).
    ///
    /// - Items without a case: to those taking part; around one child only to those invited
    ///   who may see the child now (``AccessPolicy/childMeetingContent``).
    /// - Cases: by ``AccessPolicy/caseAccess`` (the case's arena decides who is a
    ///   participant); someone who does not take part sees only the cases they may see in
    ///   full (a guardian their child's); a redacted case of theirs does not show them the meeting.
    public static func view(_ items: [AgendaItemFacts], meetingChildId: UUID?, viewer: AgendaViewer,
                            children: ChildFactsBatch, at instant: Date) -> AgendaView? {
        var childContent: AccessDecision?
        if let childId = meetingChildId {
            childContent = children.relations[childId].map {
                AccessPolicy.childMeetingContent(takesPart: viewer.invited, principal: viewer.principal, child: $0,
                                                 consents: children.consents[childId] ?? [], at: instant)
            } ?? .denied
        }
        let seesPlainItems = viewer.takesPart && (childContent.map(\.canSeeChild) ?? true)
        var visible: [VisibleAgendaItem] = []
        var disclosures: [AgendaDisclosure] = []
        for item in items {
            let takesPart = viewer.takesPart(in: item.id)
            guard let onAgenda = item.onAgenda else {
                guard seesPlainItems, takesPart else { continue }
                if let childId = meetingChildId, case .full(let basis, let consentId)? = childContent {
                    let disclosure = AgendaDisclosure(childId: childId, basis: basis, consentId: consentId)
                    if !disclosures.contains(disclosure) { disclosures.append(disclosure) }
                }
                visible.append(VisibleAgendaItem(id: item.id, position: item.position, caseId: nil, title: item.title ?? "", full: true, childId: nil))
                continue
            }
            let inArena = onAgenda.arenaId.map(viewer.arenas.contains) ?? false
            let decision = AccessPolicy.caseAccess(
                principal: viewer.principal, facts: onAgenda.facts, child: onAgenda.childId.flatMap { children.relations[$0] },
                consents: onAgenda.childId.flatMap { children.consents[$0] } ?? [],
                isArenaParticipant: inArena, takesPartAsGuest: takesPart && !inArena, at: instant)
            guard decision.canSeeCase, takesPart || decision.canSeeChild else { continue }
            let named = onAgenda.facts.kind == .named
            let full = decision.canSeeChild || !named
            if named, let basis = decision.basis {
                disclosures.append(AgendaDisclosure(childId: decision.canSeeChild ? onAgenda.childId : nil, basis: basis,
                                                    consentId: decision.consentId))
            }
            visible.append(VisibleAgendaItem(
                id: item.id, position: item.position, caseId: onAgenda.id,
                title: full ? onAgenda.title : CaseRedaction.anonymousTitle(position: item.position, grade: onAgenda.grade),
                full: full, childId: named && full ? onAgenda.childId : nil))
        }
        if !viewer.takesPart && visible.isEmpty { return nil }
        return AgendaView(items: visible, disclosures: disclosures, childContent: childContent)
    }

    /// Whether `principal` takes part in the meeting: its organiser, a participant of its
    /// arena, one of its explicit participants, or the owner (or submitter) of a case on its
    /// agenda while they may see that case in full (the teacher responsible joins for their
    /// pupil's case, seed 001; owning a case the consent no longer covers makes no one a participant).
    public static func takesPart(_ principal: Principal, organisation: MeetingOrganisation, inArena: Bool, explicitParticipant: Bool,
                                 items: [AgendaItemFacts], arenas: Set<UUID>, children: ChildFactsBatch, at instant: Date) -> Bool {
        if MeetingRoles.isOrganiser(principal, organisation) || inArena || explicitParticipant { return true }
        return items.contains { item in
            guard let onAgenda = item.onAgenda,
                  onAgenda.facts.ownerId == principal.personId || onAgenda.facts.submittedBy == principal.personId else { return false }
            return MeetingRoles.caseOwnerTakesPart(AccessPolicy.caseAccess(
                principal: principal, facts: onAgenda.facts, child: onAgenda.childId.flatMap { children.relations[$0] },
                consents: onAgenda.childId.flatMap { children.consents[$0] } ?? [],
                isArenaParticipant: onAgenda.arenaId.map(arenas.contains) ?? false, at: instant))
        }
    }

    /// Whether the viewer may see the meeting at all (a yes/no check before a change: it
    /// records nothing).
    public static func maySee(_ items: [AgendaItemFacts], meetingChildId: UUID?, viewer: AgendaViewer,
                              children: ChildFactsBatch, at instant: Date) -> Bool {
        view(items, meetingChildId: meetingChildId, viewer: viewer, children: children, at: instant) != nil
    }
}
