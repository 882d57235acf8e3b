// samtak-notifier: agendas, minutes and cancellations rendered per recipient and delivered.
import SamtakRuntime

let host = ServiceHost.start(serviceName: "samtak-notifier", defaultHTTPPort: 8082)
try await host.run(router: host.makeRouter(), workers: [host.makeRelay()])
