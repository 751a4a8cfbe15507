#!/usr/bin/env bash
# The README's curl quickstart: sign up, verify the email, log in, step up with an SMS code.
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:9010}
AUTH=project-test-00000000-0000-4000-8000-000000000000:secret-test-emulator
EMAIL=ada@example.com PHONE=+15555550123 PASSWORD=tarnished-oyster-lantern-71
api() { curl -sS -u "$AUTH" -H 'Content-Type: application/json' "$BASE$1" -d "$2"; }
last_code() { curl -sS -u "$AUTH" -G "$BASE/emulator/v1/messages" --data-urlencode "to=$1" | jq -r '.messages[-1].code'; }

# 1. Sign up with a password. The response carries a session.
TOKEN=$(api /v1/passwords '{"email":"'$EMAIL'","password":"'$PASSWORD'","session_duration_minutes":60}' | jq -r .session_token)

# 2. Verify the email with a code, inside that session. Stytch lets a user hold one unverified
#    factor at a time, so the phone can only be added once the email is verified.
EMAIL_ID=$(api /v1/otps/email/send '{"email":"'$EMAIL'","session_token":"'$TOKEN'"}' | jq -r .email_id)
api /v1/otps/authenticate '{"method_id":"'$EMAIL_ID'","code":"'$(last_code $EMAIL)'","session_token":"'$TOKEN'"}' >/dev/null

# 3. Log in with the password: a session with one factor, password/knowledge.
TOKEN=$(api /v1/passwords/authenticate '{"email":"'$EMAIL'","password":"'$PASSWORD'","session_duration_minutes":60}' | jq -r .session_token)

# 4. Send an SMS code with the session: the phone is attached to this user.
PHONE_ID=$(api /v1/otps/sms/send '{"phone_number":"'$PHONE'","session_token":"'$TOKEN'"}' | jq -r .phone_id)

# 5. Step up with the code the "phone" received. Store the new token: the old one is revoked soon.
TOKEN=$(api /v1/otps/authenticate '{"method_id":"'$PHONE_ID'","code":"'$(last_code $PHONE)'","session_token":"'$TOKEN'"}' | jq -r .session_token)

# 6. The session now carries both factors, each with its own timestamps.
api /v1/sessions/authenticate '{"session_token":"'$TOKEN'"}' |
  jq -c '.session.authentication_factors[] | {type, delivery_method, last_authenticated_at}'
