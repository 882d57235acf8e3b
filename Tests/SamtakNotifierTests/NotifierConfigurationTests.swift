import Foundation
import SamtakNotifier
import SamtakRuntime
import Testing

@Suite("Notifier configuration")
struct NotifierConfigurationTests {
    @Test("defaults match the local setup")
    func defaults() throws {
        let configuration = try NotifierConfiguration(environment: [:])
        #expect(configuration.from == Recipient(name: "Samtak", email: "samtak@nordby.example"))
        #expect(configuration.publicURL == "http://127.0.0.1:8090")
        #expect(configuration.workers == 8)
        #expect(configuration.smtp.url == "smtp://127.0.0.1:2525")
        #expect(configuration.lease == .seconds(120))
        #expect(configuration.claimDepth == 3, "the default lease covers a wait behind two 30 s sends and then its own")
    }

    @Test("a worker claims ahead only as far as the lease covers the waits behind earlier sends and its own send")
    func claimDepth() throws {
        let cases: [(lease: String, timeout: String, depth: Int)] = [("120", "30", 3), ("91", "30", 3), ("90", "30", 2), ("61", "30", 2), ("60", "30", 1), ("45", "30", 1), ("3600", "10", 3)]
        for (lease, timeout, depth) in cases {
            let configuration = try NotifierConfiguration(environment: ["SAMTAK_NOTIFIER_LEASE_S": lease, "SAMTAK_SMTP_TIMEOUT_S": timeout])
            #expect(configuration.claimDepth == depth, "lease \(lease) s, SMTP timeout \(timeout) s")
        }
    }

    @Test("values are read, trailing slashes trimmed, bad values name their variable")
    func values() throws {
        let configuration = try NotifierConfiguration(environment: [
            "SAMTAK_NOTIFIER_FROM": "Nordby kommune <post@nordby.example>", "SAMTAK_PUBLIC_URL": "https://samtak.nordby.example/",
            "SAMTAK_NOTIFIER_WORKERS": "16", "SAMTAK_NOTIFIER_LEASE_S": "60", "SAMTAK_SMTP_TIMEOUT_S": "20",
        ])
        #expect(configuration.from == Recipient(name: "Nordby kommune", email: "post@nordby.example"))
        #expect(configuration.publicURL == "https://samtak.nordby.example")
        #expect(configuration.workers == 16)
        for (variable, value) in [("SAMTAK_NOTIFIER_FROM", "not an address"), ("SAMTAK_PUBLIC_URL", "ftp://x"),
                                  ("SAMTAK_NOTIFIER_WORKERS", "0"), ("SAMTAK_NOTIFIER_LEASE_S", "10")] {
            do {
                _ = try NotifierConfiguration(environment: [variable: value, "SAMTAK_SMTP_TIMEOUT_S": "30"])
                Issue.record("\(variable)=\(value) should be refused")
            } catch {
                #expect(error.variable == variable)
            }
        }
        do {
            _ = try NotifierConfiguration(environment: ["SAMTAK_SMTP_URL": "http://x"])
            Issue.record("a bad SMTP URL should be refused")
        } catch {
            #expect(error.description.contains("SAMTAK_SMTP_URL"))
        }
    }

    @Test("retry delay doubles per attempt up to the cap")
    func backoff() {
        let configuration = NotifierConfiguration(retryBase: .seconds(1), retryCap: .seconds(600))
        #expect(configuration.retryDelay(afterAttempt: 1, jitter: 1) == .seconds(1))
        #expect(configuration.retryDelay(afterAttempt: 4, jitter: 1) == .seconds(8))
        #expect(configuration.retryDelay(afterAttempt: 11, jitter: 1) == .seconds(600))
        #expect(configuration.retryDelay(afterAttempt: 100, jitter: 1) == .seconds(600))
        #expect(configuration.retryDelay(afterAttempt: 2, jitter: 1.2) == .milliseconds(2400))
    }
}
