// samtak-web: the browser's server. Signs people in through the municipality's OpenID
// Connect providers and serves the pages; every read and write goes through the intake API.
import SamtakWeb

try await WebService.run()
