import Foundation

/// # Recording a consent: who gives it, and who may record it
///
/// A consent lifts the duty of confidentiality between the services and arenas it names.
/// What it names is its **purpose** (``ConsentPurpose``), and the purpose decides whose
/// consent is needed:
///
/// - **The young person's own consent** suffices only where the law gives the young person
///   the say from an age: every service and arena the consent names must have such an age
///   (health services: 16, pasient- og brukerrettighetsloven § 4-3, ``ServiceKind/youngPersonConsentAge``;
///   an arena: its `young_person_consent_age`), and the child must have reached the highest
///   of them. A consent that also names the police, NAV, school, ... needs the guardians.
/// - **Otherwise the guardians with parental responsibility** consent, as the purpose's
///   rule says (``ConsentGiverRule``): for the child's own school, kindergarten or SFO
///   alone one of them suffices (an everyday matter of the child's schooling); anything
///   that shares with another service, or names an arena, needs every guardian with
///   parental responsibility. A guardian without parental responsibility gives no consent.
///
/// **Who records it on the family's behalf** (``ConsentRecording``): staff (never the
/// register's administrator) who either work at the child's own unit in a role responsible
/// for the child, or work in a service the consent names (for a school, kindergarten or SFO:
/// the child's own unit or one the consent names) or in a service taking part in an arena
/// it names. And only for what their service may ask a family to share with
/// (``ServiceKind/askableConsentServices``): a teacher asks for the school's cooperation
/// with the health station, PPT, child welfare, BUP and the like, never for the police or
/// NAV; only child welfare, the municipality's coordinating unit and the police and NAV
/// themselves ask for those.

/// Whose consent a purpose needs (stored with each consent as `guardian_rule`).
public enum ConsentGiverRule: String, Codable, Sendable, CaseIterable, Hashable {
    /// One guardian with parental responsibility suffices.
    case oneGuardian = "one_guardian"
    /// Every guardian with parental responsibility consents.
    case allWithParentalResponsibility = "all_with_parental_responsibility"
    /// The young person has reached the purpose's age and consents themself.
    case youngPerson = "young_person"
}

extension ServiceKind {
    /// The guardians' rule for sharing with this service.
    public var guardianConsentRule: ConsentGiverRule {
        ServiceKind.unitBound.contains(self) ? .oneGuardian : .allWithParentalResponsibility
    }

    /// The services that staff of this service may ask a family to consent to sharing with
    /// (always including their own). Police and NAV are asked for only by child welfare, the
    /// municipality's coordinating unit, and themselves (and NAV by the refugee service).
    public var askableConsentServices: Set<ServiceKind> {
        let welfare: Set<ServiceKind> = [
            .school, .kindergarten, .sfo, .ppt, .healthStation, .dentalHealth, .childWelfare, .bup, .municipalPsychologist,
            .physiotherapy, .habilitation, .generalPractitioner, .refugeeService, .municipalAdministration, .culture,
            .mentalHealth, .homeServices, .hospital,
        ]
        switch self {
        case .childWelfare, .municipalAdministration:
            return Set(ServiceKind.allCases).subtracting([.other])
        case .school, .kindergarten, .sfo, .ppt, .healthStation, .dentalHealth, .bup, .municipalPsychologist, .physiotherapy,
             .habilitation, .generalPractitioner, .mentalHealth, .homeServices, .hospital:
            return welfare
        case .refugeeService:
            return welfare.union([.nav])
        case .nav:
            return [.nav, .childWelfare, .municipalAdministration, .refugeeService, .healthStation, .school]
        case .police:
            return [.police, .childWelfare, .municipalAdministration, .healthStation, .school]
        case .culture:
            return [.culture, .school, .kindergarten, .sfo, .municipalAdministration]
        case .followUpService:
            return [.followUpService, .nav, .school, .childWelfare, .municipalAdministration]
        case .other:
            return [.other]
        }
    }
}

/// What a consent names, which decides whose consent it needs.
public struct ConsentPurpose: Sendable, Hashable {
    public var services: Set<ServiceKind>
    public var arenas: [ArenaScope]

    public init(services: Set<ServiceKind>, arenas: [ArenaScope]) {
        self.services = services
        self.arenas = arenas
    }

    /// The guardians' rule: one guardian only when everything named is the child's own
    /// school, kindergarten or SFO; any arena or other service needs them all.
    public var guardianRule: ConsentGiverRule { FamilyPolicy.standard.guardianRule(for: self) }

    /// From this age the young person's own consent suffices; nil when something named has
    /// no such age (then the guardians consent whatever the child's age).
    public var youngPersonOwnConsentAge: Int? {
        let ages = services.map(\.youngPersonConsentAge) + arenas.map(\.youngPersonConsentAge)
        guard !ages.isEmpty, ages.allSatisfy({ $0 != nil }) else { return nil }
        return ages.compactMap { $0 }.max()
    }
}

/// A rule a consent (or its recording) breaks: the field, a rule code, and a message that
/// names the rule and never repeats the input.
public struct ConsentViolation: Sendable, Hashable {
    public var field: String
    public var rule: String
    public var message: String
    public init(_ field: String, _ rule: String, _ message: String) {
        self.field = field
        self.rule = rule
        self.message = message
    }
}

public enum ConsentRules {
    /// Checks who gave the consent against the purpose's rule. Returns the rule it was given
    /// under (when there is no violation) and the violations.
    public static func checkGivers(
        givenBy: [UUID], youngPersonConsented: Bool, guardianships: [Guardianship], purpose: ConsentPurpose, childAge: Int?,
        policy: FamilyPolicy = .standard
    ) -> (rule: ConsentGiverRule?, violations: [ConsentViolation]) {
        var violations: [ConsentViolation] = []
        let byId = Dictionary(guardianships.map { ($0.guardianId, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, giver) in givenBy.enumerated() {
            guard let guardianship = byId[giver] else {
                violations.append(.init("given_by[\(index)]", "not_guardian", "is not a registered guardian of the child"))
                continue
            }
            if !guardianship.parentalResponsibility {
                violations.append(.init("given_by[\(index)]", "not_parental_responsibility",
                                        "has no parental responsibility and cannot consent on the child's behalf"))
            }
        }
        let age = purpose.youngPersonOwnConsentAge
        if youngPersonConsented, let age, let childAge, childAge >= age {
            return (violations.isEmpty ? .youngPerson : nil, violations)
        }
        if givenBy.isEmpty {
            if youngPersonConsented {
                if let age {
                    violations.append(.init("young_person_consented", "young_person_too_young",
                                            "the young person consents alone to this only from age \(age); the guardians must consent"))
                } else {
                    violations.append(.init("given_by", "guardians_required",
                                            "the young person's own consent covers health services only; the guardians must consent to this"))
                }
            } else {
                violations.append(.init("given_by", "required", "name the guardians who consented"))
            }
            return (nil, violations)
        }
        let responsible = Set(guardianships.filter(\.parentalResponsibility).map(\.guardianId))
        let givers = Set(givenBy)
        let rule = policy.guardianRule(for: purpose)
        if responsible.isEmpty {
            violations.append(.init("given_by", "no_parental_responsibility", "no guardian with parental responsibility is registered for the child"))
        } else if rule == .allWithParentalResponsibility {
            let missing = responsible.subtracting(givers).count
            if missing > 0 {
                violations.append(.init("given_by", "parental_responsibility",
                                        "every guardian with parental responsibility must consent (\(missing) missing)"))
            }
        } else if responsible.isDisjoint(with: givers) {
            violations.append(.init("given_by", "parental_responsibility", "a guardian with parental responsibility must consent"))
        }
        return (violations.isEmpty ? rule : nil, violations)
    }
}

/// Who may record a consent on a family's behalf, and for what (see the rules above).
public enum ConsentRecording {
    public enum Refusal: Sendable, Hashable {
        /// Not staff of a service (a guardian, or only the register's administrator).
        case notStaff
        /// Neither at the child's own unit nor in a service (or arena) the consent names.
        case notInvolved
    }

    /// Whether `recorder` may record a consent for this child at all.
    public static func mayRecord(_ recorder: Principal, child: ChildRelations, purpose: ConsentPurpose, unitIds: Set<UUID>) -> Refusal? {
        let memberships = recorder.memberships.filter { $0.role != .administrator }
        guard recorder.kind == .staff, !memberships.isEmpty else { return .notStaff }
        if AccessPolicy.worksAtOwnUnit(recorder, child: child) { return nil }
        let arenaServices = Set(purpose.arenas.flatMap(\.participantServices))
        let involved = memberships.contains { membership in
            if arenaServices.contains(membership.service) { return true }
            guard purpose.services.contains(membership.service) else { return false }
            return !ServiceKind.unitBound.contains(membership.service) || membership.unitId == child.unitId || unitIds.contains(membership.unitId)
        }
        return involved ? nil : .notInvolved
    }

    /// What the recorder may ask a family to share with: the union over their memberships.
    public static func askable(by recorder: Principal) -> Set<ServiceKind> {
        recorder.memberships.filter { $0.role != .administrator }.reduce(into: Set<ServiceKind>()) { $0.formUnion($1.service.askableConsentServices) }
    }

    /// The named services and arenas outside what the recorder may ask for (`services[i]`,
    /// `arena_ids[i]`, rule `not_askable`), given in the order of the request.
    public static func outsideAskable(_ recorder: Principal, services: [ServiceKind], arenas: [ArenaScope]) -> [ConsentViolation] {
        let askable = askable(by: recorder)
        var violations: [ConsentViolation] = []
        for (index, service) in services.enumerated() where !askable.contains(service) {
            violations.append(.init("services[\(index)]", "not_askable", "is not a service your service may ask a family to consent to sharing with"))
        }
        for (index, arena) in arenas.enumerated() where !arena.participantServices.isSubset(of: askable) {
            violations.append(.init("arena_ids[\(index)]", "not_askable", "takes in services your service may not ask a family to consent to sharing with"))
        }
        return violations
    }
}
