Feature: One-time passcodes are strict
  Wrong codes, expired codes and reused codes are refused the way Stytch refuses them.

  Background:
    Given a user with a verified email and a password
    And the user signs in with their password for 60 minutes
    And an SMS code is sent to the user's phone with the session token

  Scenario: A wrong code
    When the user enters a wrong SMS code with the session token
    Then the request fails with status 404 and error "otp_code_not_found"
    And the session has exactly these factors:
      | type     | delivery_method |
      | password | knowledge       |

  @requires:clock-control
  Scenario: An expired code
    When 3 minutes pass
    And the user enters the SMS code with the session token
    Then the request fails with status 401 and error "unable_to_auth_otp_code"

  @requires:read-codes
  Scenario: A code cannot be used twice
    When the user enters the SMS code with the session token
    And the user enters the same SMS code again
    Then the request fails with status 401 and error "unable_to_auth_otp_code"

  @requires:read-codes
  Scenario: A new code replaces the previous one
    When the previous SMS code is kept
    And an SMS code is sent to the user's phone with the session token
    And the user enters the previous SMS code with the session token
    Then the request fails with status 404 and error "otp_code_not_found"

  @requires:read-codes
  Scenario Outline: Every channel adds its own factor: <channel>
    When a <channel> code is sent to the user's <contact> with the session token
    And the user enters the <channel> code with the session token
    Then the session has the factor "otp" delivered by "<delivery>"

    Examples:
      | channel  | contact | delivery |
      | SMS      | phone   | sms      |
      | WhatsApp | phone   | whatsapp |
