// samtak-scheduler: meetings from recurrence rules, cases onto agendas, agendas published.
import SamtakRuntime

let host = ServiceHost.start(serviceName: "samtak-scheduler", defaultHTTPPort: 8081)
try await host.run(router: host.makeRouter(), workers: [host.makeRelay()])
