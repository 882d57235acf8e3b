// samtak-notifier: agendas, minutes and cancellations rendered per recipient and delivered.
// Configured by SAMTAK_* environment variables (see SamtakNotifier's NotifierConfiguration).
import Foundation
import SamtakNotifier

// A failure to start or to keep serving (a port already taken, a lost listener) is logged by
// the service ("stopped with an error") and ends the process with status 1, not a trap.
do {
    try await NotifierService.run()
} catch {
    exit(1)
}
