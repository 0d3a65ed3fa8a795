package dev.signet.agent.jwt;

import dev.signet.core.x509.SigningProvider;

/** Every ValidateJWTSVID rule of {@link JwtSvidValidatorTest} again, with Conscrypt (the agent's default where it loads) verifying EC signatures. */
class JwtSvidValidatorConscryptTest extends JwtSvidValidatorTest {
    @Override
    SigningProvider crypto() {
        return SigningProvider.select(SigningProvider.Choice.CONSCRYPT);
    }
}
