Feature: SMS as the second factor (Stytch's backend MFA guide)
  After the password, the app sends an SMS code with the session token; authenticating it
  with the session token adds the SMS factor to the same session.

  Background:
    Given a user with a verified email and a password
    And the user signs in with their password for 60 minutes

  Scenario: The session carries the password and the SMS factors
    When an SMS code is sent to the user's phone with the session token
    And the user enters the SMS code with the session token
    Then the session has exactly these factors:
      | type     | delivery_method |
      | password | knowledge       |
      | otp      | sms             |
    And the SMS factor carries the phone number
    And the session id is unchanged
    And the new session token authenticates
    And the session JWT verifies locally with both factors

  @requires:revocation-timing
  Scenario: The original token is revoked shortly after step-up
    When an SMS code is sent to the user's phone with the session token
    And the user enters the SMS code with the session token
    Then the session token has changed
    And the original session token still authenticates
    When 61 seconds pass
    Then the original session token is refused with "session_not_found"
    And the new session token authenticates

  # The token rotates only when a factor the session did not have is added (the backend MFA
  # guide's step-up); authenticating the SMS factor again keeps it.
  Scenario: Re-authenticating a factor the session already has keeps the token
    When an SMS code is sent to the user's phone with the session token
    And the user enters the SMS code with the session token
    And an SMS code is sent to the user's phone with the session token
    And the user enters the SMS code with the session token
    Then the session token is unchanged
    And the session id is unchanged
    And the session has exactly these factors:
      | type     | delivery_method |
      | password | knowledge       |
      | otp      | sms             |

  Scenario: Enforcing MFA in the app
    Then the request to a protected page is refused with "missing_factor"
    When an SMS code is sent to the user's phone with the session token
    And the user enters the SMS code with the session token
    Then the request to a protected page is allowed

  Scenario Outline: Step-up for a sensitive action <minutes> minutes after the SMS code
    When an SMS code is sent to the user's phone with the session token
    And the user enters the SMS code with the session token
    And <minutes> minutes pass on the app's clock
    Then a sensitive action <outcome>

    Examples:
      | minutes | outcome                      |
      | 0       | is allowed                   |
      | 4       | is allowed                   |
      | 6       | requires a fresh SMS code    |

  # Needs the server clock to move with the app's: where only the app's clock moves (the sandbox),
  # a factor Stytch has just refreshed is stamped 6 minutes behind the app's clock, so it looks stale.
  @requires:clock-control
  Scenario: Re-challenging the SMS factor refreshes it
    When an SMS code is sent to the user's phone with the session token
    And the user enters the SMS code with the session token
    And 6 minutes pass on the app's clock
    Then a sensitive action requires a fresh SMS code
    When an SMS code is sent to the user's phone with the session token
    And the user enters the SMS code with the session token
    Then a sensitive action is allowed
    And the session has exactly these factors:
      | type     | delivery_method |
      | password | knowledge       |
      | otp      | sms             |

  @requires:clock-control
  Scenario: Factor ages follow the server clock
    When an SMS code is sent to the user's phone with the session token
    And the user enters the SMS code with the session token
    And 6 minutes pass
    Then the SMS factor was last authenticated 6 minutes ago
