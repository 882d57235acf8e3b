// samtak-intake: the HTTP API for arenas, people, consent, cases, referrals, meetings and minutes.
import Foundation
import SamtakIntake

// A failure to start or to keep serving (a port already taken, a lost listener) is logged by
// the service ("stopped with an error") and ends the process with status 1, not a trap.
do {
    try await IntakeService.run()
} catch {
    exit(1)
}
