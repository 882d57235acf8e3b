import Foundation
import SamtakMessaging
import SamtakPostgres
import SamtakTestSupport
import Testing

/// Each executable, run as an operator runs it.
@Suite("Services start, report readiness and stop cleanly", .timeLimit(.minutes(3)))
struct ServiceLifecycleTests {
    static let services = ["samtak-intake", "samtak-scheduler", "samtak-notifier"]

    func environment(database: TestDatabase, pgPort: Int? = nil) -> [String: String] {
        [
            "SAMTAK_PG_DATABASE": database.name,
            "SAMTAK_PG_PORT": String(pgPort ?? database.configuration.port),
            "SAMTAK_TOPIC_PREFIX": TestEnvironment.uniqueTopics().prefix,
            "SAMTAK_TOPIC_PARTITIONS": "2",
        ]
    }

    @Test("starts, reports ready, stops on SIGTERM with status 0", arguments: services)
    func startReadyStop(service: String) async throws {
        try await withTestDatabase { database in
            let process = try ServiceProcess(service, port: freePort(), environment: environment(database: database))
            #expect(await process.waitUntilReady(), "\(service) never became ready: \(process.log)")
            #expect(await process.get("/health/live")?.status == 200)
            let status = await process.terminate()
            #expect(status == 0, "\(service) exit status after SIGTERM: \(String(describing: status))\n\(process.log)")
            #expect(process.log.contains("\"msg\":\"stopped\""))
        }
    }

    @Test("starts without the database, says which and where, and becomes ready when it appears", arguments: services)
    func waitsForDatabase(service: String) async throws {
        try await withTestDatabase { database in
            // PostgreSQL is reached through a proxy that is not listening yet.
            let proxy = TCPProxy(targetPort: database.configuration.port)
            let process = try ServiceProcess(service, port: freePort(), environment: environment(database: database, pgPort: proxy.port))
            defer { proxy.stop() }
            #expect(await eventually(timeout: .seconds(20)) { await process.get("/health/live")?.status == 200 })
            // The probe itself waits up to a few seconds for the database; on a loaded machine, ask again.
            var notReady: (status: Int, body: String)?
            for _ in 0..<30 where notReady == nil {
                notReady = await process.get("/health/ready")
                if notReady == nil { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(notReady?.status == 503)
            #expect(notReady?.body.contains("unreachable at 127.0.0.1:\(proxy.port)") == true, "\(notReady?.body ?? "")")
            #expect(await eventually(timeout: .seconds(10)) {
                process.log.contains("waiting for dependencies") && process.log.contains("127.0.0.1:\(proxy.port)")
            }, "\(process.log)")
            #expect(process.isRunning)

            try proxy.start()
            #expect(await process.waitUntilReady(timeout: .seconds(60)), "\(process.log)")
            #expect(await process.terminate() == 0)
        }
    }
}
