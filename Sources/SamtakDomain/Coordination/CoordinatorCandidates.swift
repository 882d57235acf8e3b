import Foundation

/// # Who may be asked to coordinate (issue 16, the coordinator's pages)
///
/// The page "Be en annen overta" and the form "Kall inn til samarbeidsmøte" offer a choice
/// among the staff the family's consent covers, not a free search in the register:
/// `GET /v1/children/{id}/coordinator/candidates` loads the active staff of the services and
/// units the child's active consents name (`CoordinationStore.candidateStaff`, one query),
/// and this pure rule keeps those ``CoordinationPolicy/coordinatorEligibility`` accepts, each
/// with the membership through which the consent covers them. No table, no event: it is a
/// read, logged as `coordinator_candidates` for the child.
public enum CoordinatorCandidates {
    /// The eligible people among `staff`, in the given order, each once, with the covering
    /// membership; `excluding` (the current coordinator) is left out.
    public static func eligible(_ staff: [ParticipantFacts], child: ChildRelations, consents: [ConsentGrant], excluding: UUID?,
                                at instant: Date) -> [(person: ParticipantFacts, membership: Principal.Membership)] {
        var seen: Set<UUID> = []
        var out: [(person: ParticipantFacts, membership: Principal.Membership)] = []
        for person in staff where person.personId != excluding && !seen.contains(person.personId) {
            seen.insert(person.personId)
            if case .success(let found) = CoordinationPolicy.coordinatorEligibility(candidate: person, child: child, consents: consents,
                                                                                     unitId: nil, at: instant) {
                out.append((person, found.membership))
            }
        }
        return out
    }

    /// The services and units whose staff can be covered at all by the active consents (the
    /// store loads only those): each consent's services, and the units it names.
    public static func scope(consents: [ConsentGrant], childId: UUID, at instant: Date) -> (services: Set<ServiceKind>, unitIds: Set<UUID>) {
        var services: Set<ServiceKind> = [], units: Set<UUID> = []
        for consent in consents where consent.childId == childId && consent.isActive(at: instant) {
            services.formUnion(consent.services)
            units.formUnion(consent.unitIds)
        }
        return (services, units)
    }
}
