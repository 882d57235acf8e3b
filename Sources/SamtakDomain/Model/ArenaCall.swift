import Foundation

/// "Etter behov" (issue 18): an arena the documents give no rhythm (the Bufdir steering group,
/// Arbeidsgruppe mot vold i nære relasjoner, ...) has no series; its organiser calls a meeting
/// when one is needed. Meetings around one child are called around the child
/// (`POST /v1/children/{id}/meetings`) and transition meetings by season, not here.
extension MeetingRoles {
    public enum AsNeededRefusal: String, Sendable, Hashable {
        /// The arena has a rhythm: its meetings come from its series.
        case hasRhythm = "has_rhythm"
        /// Around one child or a transition: called another way.
        case notThisWay = "not_this_way"
        case inactive
        /// Not the arena's owner or the owning unit's leader.
        case notOrganiser = "not_organiser"
    }

    /// Whether `principal` may call a meeting of the arena now; nil when they may.
    public static func refusalToCallAsNeeded(_ principal: Principal, kind: ArenaKind, active: Bool, hasRhythm: Bool,
                                             arenaOwnerPersonId: UUID?, arenaOwnerUnitId: UUID) -> AsNeededRefusal? {
        let organiser = isOrganiser(principal, MeetingOrganisation(arenaOwnerPersonId: arenaOwnerPersonId, arenaOwnerUnitId: arenaOwnerUnitId,
                                                                   calledBy: nil, aroundChild: false))
        if !organiser { return .notOrganiser }
        if !active { return .inactive }
        if kind.isPerChild || kind == .transition { return .notThisWay }
        if hasRhythm { return .hasRhythm }
        return nil
    }
}
