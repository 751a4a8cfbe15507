@app
Feature: The application under test asks for a fresh factor before a sensitive action
  A sensitive action needs an SMS factor authenticated at most 5 minutes ago. The app reads the
  factor's last_authenticated_at from the session Stytch returns; the emulator moves the session
  into the past, so that this works whatever clock the app reads.

  @requires:session-ageing
  Scenario: A sensitive action needs an SMS code at most 5 minutes old
    Given a user with a verified email and a password
    When the user signs in to the app
    And the user completes the SMS step-up in the app
    Then the app allows a sensitive action
    When the app's session ages 6 minutes
    Then the app asks for a fresh factor before a sensitive action
    When the user completes the SMS step-up in the app
    Then the app allows a sensitive action
