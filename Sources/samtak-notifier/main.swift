// samtak-notifier: agendas, minutes and cancellations rendered per recipient and delivered.
// Configured by SAMTAK_* environment variables (see SamtakNotifier's NotifierConfiguration).
import SamtakNotifier

try await NotifierService.run()
