Feature: Verifying the email of a user with a password
  Stytch's account-takeover protection: when a user who has a password verifies the email with an
  email code outside a session of theirs, Stytch takes it for the user's first passwordless login,
  and the password must be reset before it works again. Verifying the email with the session
  token, as Stytch's "email verification after password creation" guide does, keeps the password.

  @requires:read-codes
  Scenario: Verifying the email with the session keeps the password
    Given a new user signed up with a password
    And the user signs in with their password for 60 minutes
    When an email code is sent to the user's email with the session token
    And the user enters the email code with the session token
    Then the user's email is verified
    And the session has exactly these factors:
      | type     | delivery_method |
      | password | knowledge       |
      | otp      | email           |
    When the user signs in with their password for 60 minutes
    Then the session has exactly these factors:
      | type     | delivery_method |
      | password | knowledge       |

  @requires:read-codes
  Scenario: Verifying the email without the session requires a password reset
    Given a new user signed up with a password
    When an email code is sent to the user
    And the user enters the email code for 30 minutes
    Then the user's email is verified
    When the user signs in with their password for 60 minutes
    Then the request fails with status 400 and error "reset_password"
