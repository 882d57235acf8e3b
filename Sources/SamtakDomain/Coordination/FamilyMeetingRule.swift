import Foundation

/// # A school's samarbeidsmøte with the guardians (issue 18; seed 004: "skolen har
/// samarbeidsmøter med foresatte ved behov")
///
/// The child's own school (kindergarten, SFO) meets the family without a consent: nothing
/// leaves the unit, so there is no confidentiality to lift. Its staff may therefore call a
/// samarbeidsmøte around the child, and such a meeting needs no consent as long as every
/// staff participant works in the child's own unit and everyone else is family (the
/// guardians, the young person). As soon as another service is invited, the ordinary rule
/// applies to everyone (``CoordinationPolicy/checkParticipants``): one active consent must
/// cover them all, and the intake answers 422 `consent_required` naming the participant.
/// No table or event of its own: the meeting is stored as any called meeting, with no
/// `consent_id`.
public enum FamilyMeetingRule {
    /// Whether `memberships` include the child's own school, kindergarten or SFO (not the
    /// register's administrator role).
    public static func isOwnUnitStaff(_ memberships: [Principal.Membership], child: ChildRelations) -> Bool {
        guard let unit = child.unitId else { return false }
        return memberships.contains { $0.unitId == unit && ServiceKind.unitBound.contains($0.service) && $0.role != .administrator }
    }

    /// Whether the meeting stays within the child's own unit and family (no consent needed).
    public static func needsNoConsent(_ kind: ArenaKind, participants: [ParticipantFacts], child: ChildRelations) -> Bool {
        guard kind == .samarbeidsmote, !participants.isEmpty else { return false }
        return participants.allSatisfy { person in
            person.isGuardian || person.isChild
                || (person.kind == .staff && person.active && isOwnUnitStaff(person.memberships, child: child))
        }
    }
}
