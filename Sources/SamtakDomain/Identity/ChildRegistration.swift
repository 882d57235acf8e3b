import Foundation

/// Who may register a child, and what registering an identity number that is already
/// registered answers, so that `POST /v1/children` is no oracle for whether a number (and so
/// a child) is known to Samtak.
///
/// - **Who registers.** The register's administrators (into any unit, or none), and staff
///   who hold a unit's own-unit role (leader, teacher, special-needs coordinator, social
///   teacher: `AccessPolicy.ownUnitRoles`) into that unit. Nobody else: a police officer,
///   a BUP clinician or a NAV caseworker does not register children.
/// - **A number already registered**, to a registrar who may see that child (own unit,
///   consent, guardianship, who registered it) or to an administrator: 409 `child_exists`
///   naming the registered child, since they may know it exists.
/// - **A number already registered**, to a registrar who may not see that child: the same
///   201 as for a new number. They get a record of their own, in their own unit, holding
///   what they entered and the sealed number, but not the lookup hash, and marked as a
///   duplicate of the registered child for the administrators to reconcile. Nothing in the
///   answer, and nothing they can read afterwards, tells the two cases apart; the
///   registered child's record stays out of their reach.
public enum ChildRegistration {
    public enum Refusal: Sendable, Hashable, CustomStringConvertible {
        /// Guardians and young people do not register children.
        case notStaff
        /// Staff name the unit the child belongs to (their own).
        case unitRequired
        /// Staff register children only into a unit where they hold an own-unit role.
        case notOwnUnit

        public var description: String {
            switch self {
            case .notStaff: "only staff of a school, kindergarten or the register's administrators register children"
            case .unitRequired: "name the unit the child belongs to (one where you work as leader or teacher)"
            case .notOwnUnit: "children are registered by their own unit's leader or teachers, or by an administrator"
            }
        }
    }

    /// Nil when `principal` may register a child into `unitId`.
    public static func refusal(principal: Principal, unitId: UUID?) -> Refusal? {
        guard principal.kind == .staff else { return .notStaff }
        if principal.isAdministrator { return nil }
        guard let unitId else { return .unitRequired }
        let ownUnit = principal.memberships.contains { $0.unitId == unitId && AccessPolicy.ownUnitRoles.contains($0.role) }
        return ownUnit ? nil : .notOwnUnit
    }

    /// What a registration whose number is already registered to `existing` answers.
    public enum TakenNumber: Sendable, Hashable {
        /// 409 naming the registered child: the caller may know it exists.
        case conflict(existing: UUID)
        /// 201 with a record of the caller's own, marked as a duplicate of `existing`.
        case separateRecord(duplicateOf: UUID)
    }

    /// `access` is the caller's access to the registered child (`AccessPolicy.childAccess`, or
    /// ownership for whoever registered it).
    public static func takenNumber(existing: UUID, access: AccessDecision, principal: Principal) -> TakenNumber {
        if principal.isAdministrator || access.canSeeChild { return .conflict(existing: existing) }
        return .separateRecord(duplicateOf: existing)
    }
}
