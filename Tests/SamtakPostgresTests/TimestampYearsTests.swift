import Foundation
import SamtakPostgres
import SamtakTestSupport
import Testing

/// Instants before the year 1000 as parameters: PostgreSQL read "55-03-26 ..." as a two-digit
/// year and refused it (22008), so `GET /v1/meetings?to=0055-03-25` answered 500 (found by
/// schemathesis). Years are written with four digits.
@Suite("Timestamps of early years")
struct TimestampYearsTests {
    @Test("years 55, 999 and 1 are sent with four digits and come back unchanged from PostgreSQL", arguments: [
        ("0055-03-25 23:00:00.000000+00", -60_424_275_600.0),
        ("0999-12-31 00:00:00.000000+00", -30_610_310_400.0),
        ("0001-01-01 00:00:00.000000+00", -62_135_596_800.0),
    ])
    func earlyYears(text: String, seconds: Double) async throws {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(PostgresTimestamp.format(date) == text)
        let pool = PostgresPool(configuration: TestEnvironment.postgres, maxConnections: 1, logger: TestEnvironment.logger)
        let back = try await pool.withConnection { connection in
            try connection.query("SELECT \(date)::timestamptz").first?.decode(Date.self, 0)
        }
        await pool.close()
        #expect(back == date)
    }
}
