import Foundation
import SamtakDomain
import Testing

/// The one rule for what part of an agenda a viewer sees (pure, no I/O): a ressursteam
/// meeting with a named case (Emma, consent covering the school and the health station), an
/// anonymous case and an item without a case.
@Suite("Agenda visibility: participants, extra invitees for part of the meeting, non-participants")
struct AgendaVisibilityTests {
    let child = UUID(), guardian = UUID(), school = UUID(), health = UUID(), welfare = UUID(), arena = UUID()
    let namedItem = UUID(), anonymousItem = UUID(), plainItem = UUID(), consentId = UUID()
    let now = Date()

    var scope: ArenaScope { ArenaScope(id: arena, participantServices: [.school, .healthStation, .ppt]) }
    var items: [AgendaItemFacts] {
        let teacher = UUID()
        func onAgenda(_ kind: CaseKind, childId: UUID?, title: String) -> AgendaItemFacts.CaseOnAgenda {
            .init(id: UUID(), facts: CaseFacts(kind: kind, ownerId: teacher, submittedBy: teacher, submittingUnitId: school, arena: scope,
                                                targetService: nil),
                  arenaId: arena, childId: childId, title: title, grade: 5)
        }
        return [
            AgendaItemFacts(id: namedItem, position: 1, title: nil, onAgenda: onAgenda(.named, childId: child, title: "Emma, lesing")),
            AgendaItemFacts(id: anonymousItem, position: 2, title: nil, onAgenda: onAgenda(.anonymous, childId: nil, title: "Uro i klassen")),
            AgendaItemFacts(id: plainItem, position: 3, title: "Rutiner for overgang", onAgenda: nil),
        ]
    }
    var children: ChildFactsBatch {
        let consent = ConsentGrant(id: consentId, childId: child, services: [.school, .healthStation], arenaIds: [arena], information: [],
                                   validFrom: LocalDate(year: 2020, month: 1, day: 1)!, validUntil: nil, withdrawnAt: nil,
                                   youngPersonConsented: false)
        return ChildFactsBatch(relations: [child: ChildRelations(childId: child, guardianIds: [guardian], personId: nil, unitId: school)],
                               consents: [child: [consent]])
    }
    func staff(_ unit: UUID, _ service: ServiceKind, _ role: Role) -> Principal {
        Principal(personId: UUID(), kind: .staff, memberships: [.init(unitId: unit, service: service, role: role)])
    }

    @Test("a nurse taking part sees every item, the named case in full on the consent; the read is one disclosure")
    func participant() throws {
        let nurse = staff(health, .healthStation, .schoolNurse)
        let view = try #require(AgendaVisibility.view(items, meetingChildId: nil, viewer: AgendaViewer(principal: nurse, takesPart: true, invited: false, arenas: [arena]),
                                                      children: children, at: now))
        #expect(view.items.map(\.id) == [namedItem, anonymousItem, plainItem])
        #expect(view.items.filter { !$0.full }.isEmpty)
        #expect(view.disclosures.count == 1)
        #expect(view.disclosures.first?.childId == child && view.disclosures.first?.basis == .consent)
        #expect(view.disclosures.first?.consentId == consentId)
    }

    @Test("child welfare invited for the named item only: sees that item redacted (the consent does not name it), nothing else")
    func invitedForOneItem() throws {
        let caseworker = staff(welfare, .childWelfare, .caseworker)
        let viewer = AgendaViewer(principal: caseworker, takesPart: true, invited: true, arenas: [], partOnly: [namedItem])
        let view = try #require(AgendaVisibility.view(items, meetingChildId: nil, viewer: viewer, children: children, at: now))
        #expect(view.items.map(\.id) == [namedItem])
        #expect(view.items.first?.full == false && view.items.first?.childId == nil)
        #expect(view.items.first?.title == CaseRedaction.anonymousTitle(position: 1, grade: 5))
        // The redacted read is recorded without the child.
        #expect(view.disclosures.map(\.childId) == [nil])

        // For the whole meeting, the same person sees every item (the named one still redacted).
        let whole = AgendaViewer(principal: caseworker, takesPart: true, invited: true, arenas: [])
        #expect(AgendaVisibility.view(items, meetingChildId: nil, viewer: whole, children: children, at: now)?.items.count == 3)
    }

    @Test("a guardian invited for her child's item sees it in full; she never sees the other items")
    func guardianInvited() throws {
        let parent = Principal(personId: guardian, kind: .guardian, memberships: [])
        for partOnly in [Set([namedItem]), nil] {
            let viewer = AgendaViewer(principal: parent, takesPart: partOnly != nil, invited: false, arenas: [], partOnly: partOnly)
            let view = try #require(AgendaVisibility.view(items, meetingChildId: nil, viewer: viewer, children: children, at: now))
            #expect(view.items.map(\.id) == [namedItem])
            #expect(view.items.first?.full == true)
            #expect(view.disclosures.map(\.basis) == [.guardian])
        }
    }

    @Test("someone who does not take part and sees no case in full sees nothing of the meeting")
    func outsider() {
        let caseworker = staff(welfare, .childWelfare, .caseworker)
        let viewer = AgendaViewer(principal: caseworker, takesPart: false, invited: false, arenas: [])
        #expect(AgendaVisibility.view(items, meetingChildId: nil, viewer: viewer, children: children, at: now) == nil)
        #expect(!AgendaVisibility.maySee(items, meetingChildId: nil, viewer: viewer, children: children, at: now))
    }
}
