@app
Feature: The application under test enforces an authenticator app
  The application registers an authenticator app for the signed-in user, authenticates its code
  with the session (Stytch adds the TOTP factor and rotates the token), stores the new token, and
  lets a page that needs a password and a TOTP factor through only then.

  Scenario: An authenticator app opens the TOTP page
    Given a new user signed up with a password
    When the user signs in to the app
    Then the app asks for the second factor on the TOTP page
    When the user registers an authenticator app in the app
    And the user enters the authenticator code in the app
    Then the app allows the TOTP page
