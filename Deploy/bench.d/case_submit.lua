-- wrk script for row 1: POST /v1/cases, a system-level case to the arena BENCH_ARENA from
-- the unit BENCH_UNIT, as the person whose token is BENCH_TOKEN (environment variables set
-- by Deploy/bench). The body is the same for every request; the API makes a new case each time.
local arena = assert(os.getenv("BENCH_ARENA"), "BENCH_ARENA")
local unit = assert(os.getenv("BENCH_UNIT"), "BENCH_UNIT")
local token = assert(os.getenv("BENCH_TOKEN"), "BENCH_TOKEN")

wrk.method = "POST"
wrk.path = "/v1/cases"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = string.format(
  '{"arena_id":"%s","kind":"system","submitting_unit_id":"%s",' ..
  '"title":"Bench r1: rutiner for overgang mellom SFO og skole",' ..
  '"concern":"Flere trinn melder om uro i overgangen mellom SFO og skoledagen. Vi ønsker å drøfte ' ..
  'felles rutiner for overlevering, hvem som har ansvar for hva, og hvordan helsesykepleier og PPT ' ..
  'kan bidra på systemnivå. Saken gjelder ingen enkeltelev."}',
  arena, unit)
-- No response() callback: it would make wrk hand every body to Lua. Deploy/bench checks one
-- request with curl first and reads wrk's "Non-2xx or 3xx responses" count afterwards.
