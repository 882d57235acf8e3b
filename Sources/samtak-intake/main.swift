// samtak-intake: the HTTP API for arenas, people, consent, cases and referrals.
import SamtakRuntime

let host = ServiceHost.start(serviceName: "samtak-intake", defaultHTTPPort: 8080)
try await host.run(router: host.makeRouter(), workers: [host.makeRelay()])
