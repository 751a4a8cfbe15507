Feature: Session lifecycle
  Sessions are authenticated, extended, revoked and expire like Stytch's.

  Background:
    Given a user with a verified email and a password
    And the user signs in with their password for 60 minutes

  Scenario: A revoked session is gone
    When the session is revoked
    Then the session token is refused with "session_not_found"

  Scenario: The app refuses a revoked session
    When the session is revoked
    Then the request to a protected page is refused with "unauthenticated"

  @requires:clock-control
  Scenario: An expired session is gone
    When 61 minutes pass
    Then the session token is refused with "session_not_found"

  @requires:clock-control
  Scenario: Authenticating with a duration extends the session
    When 30 minutes pass
    And the session is authenticated for 60 more minutes
    And 45 minutes pass
    Then the session token authenticates

  Scenario: The JWT authenticates the session too
    Then the session JWT authenticates

  Scenario: Passing both the token and the JWT is refused
    When the session is authenticated with both its token and its JWT
    Then the request fails with status 400 and error "too_many_session_arguments"

  @requires:fault-injection
  Scenario: The app sees Stytch's rate limit
    Given the next SMS send fails with status 429 and error "too_many_requests"
    When an SMS code is sent to the user's phone with the session token
    Then the request fails with status 429 and error "too_many_requests"
