Feature: Stytch's sandbox values
  The documented sandbox inputs answer the same on the emulator as on Stytch's test environment.

  Scenario: The sandbox phone takes the code 000000
    When the sandbox user signs in with any password for 30 minutes
    And an SMS code is sent to "+10000000000" with the session token
    And the user enters the code "000000" with the session token
    Then the session has exactly these factors:
      | type     | delivery_method |
      | password | knowledge       |
      | otp      | sms             |

  Scenario: The sandbox email takes the code 000000
    When an email code is sent to "sandbox@stytch.com"
    And the user enters the code "000000" for 30 minutes
    Then the session has the factor "otp" delivered by "email"

  Scenario Outline: The sandbox session token that <case>
    When the session token "<token>" is authenticated
    Then the result is <outcome>

    Examples:
      | case          | token                                        | outcome                       |
      | authenticates | WJtR5BCy38Szd5AfoDpf0iqFKEt4EE5JhjlWUY7l3FtY | a session of the sandbox user |
      | is not found  | 59cnLELtq5cFVS6uYK9f-pAWzBkhqZl8AvLhbhOvKNWw | the error "session_not_found" |
