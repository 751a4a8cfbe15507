Feature: TOTP as the second factor
  An authenticator app's code, computed from the secret Stytch returns, works on every target.

  Background:
    Given a new user signed up with a password
    And the user signs in with their password for 60 minutes
    And the user registers an authenticator app

  Scenario: A TOTP code adds the authenticator factor
    When the user enters the authenticator code with the session token
    Then the session has exactly these factors:
      | type     | delivery_method   |
      | password | knowledge         |
      | totp     | authenticator_app |
    And the request to a TOTP-protected page is allowed

  Scenario: A password alone does not open the TOTP-protected page
    Then the request to a TOTP-protected page is refused with "missing_factor"

  Scenario: A recovery code is single use
    When the user enters the authenticator code with the session token
    And the user recovers with a recovery code with the session token
    Then the session has the factor "recovery_codes" delivered by "recovery_code"
    When the user recovers with the same recovery code again
    Then the request fails with status 401 and error "unable_to_authenticate_recovery_code"
