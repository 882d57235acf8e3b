// samtak-intake: the HTTP API for arenas, people, consent, cases, referrals, meetings and minutes.
import SamtakIntake

try await IntakeService.run()
