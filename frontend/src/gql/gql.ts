/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation SignOut {\n    signOut {\n      ok\n    }\n  }\n": typeof types.SignOutDocument,
    "\n  fragment AccountSessionFields on AccountSession {\n    id\n    current\n    createdAt\n    expiresAt\n    userAgent\n  }\n": typeof types.AccountSessionFieldsFragmentDoc,
    "\n  query AccountSessions {\n    viewer {\n      id\n      sessions {\n        ...AccountSessionFields\n      }\n    }\n  }\n": typeof types.AccountSessionsDocument,
    "\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input) {\n      endedSessions\n      viewer {\n        id\n        sessions {\n          ...AccountSessionFields\n        }\n      }\n    }\n  }\n": typeof types.ChangePasswordDocument,
    "\n  mutation SignOutOtherSessions {\n    signOutOtherSessions {\n      endedSessions\n    }\n  }\n": typeof types.SignOutOtherSessionsDocument,
    "\n  mutation ExportMyData {\n    exportMyData {\n      url\n      ready\n      expiresAt\n    }\n  }\n": typeof types.ExportMyDataDocument,
    "\n  mutation DeleteAccount($input: DeleteAccountInput!) {\n    deleteAccount(input: $input) {\n      ok\n    }\n  }\n": typeof types.DeleteAccountDocument,
    "\n  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n    requestPasswordReset(input: $input) {\n      ok\n    }\n  }\n": typeof types.RequestPasswordResetDocument,
    "\n  mutation ResetPassword($input: ResetPasswordInput!) {\n    resetPassword(input: $input) {\n      ok\n    }\n  }\n": typeof types.ResetPasswordDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": typeof types.SignInDocument,
    "\n  mutation ConfirmPhotoConsent($input: ConfirmPhotoConsentInput!) {\n    confirmPhotoConsent(input: $input) {\n      photo {\n        ...OwnerPhotoStatusFields\n      }\n    }\n  }\n": typeof types.ConfirmPhotoConsentDocument,
    "\n  fragment OwnerPhotoStatusFields on Photo {\n    id\n    moderationState\n    consent {\n      showsMe\n      adult\n      acceptsJudging\n      givenAt\n    }\n  }\n": typeof types.OwnerPhotoStatusFieldsFragmentDoc,
    "\n  query PhotoOwnerStatus($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ...OwnerPhotoStatusFields\n    }\n  }\n": typeof types.PhotoOwnerStatusDocument,
    "\n  query MyPhotosStatus($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n      ...OwnerPhotoStatusFields\n    }\n  }\n": typeof types.MyPhotosStatusDocument,
    "\n  fragment ApiKeyFields on ApiKey {\n    id\n    name\n    scopes\n    createdAt\n    lastUsedAt\n  }\n": typeof types.ApiKeyFieldsFragmentDoc,
    "\n  query ApiKeys {\n    viewer {\n      id\n      apiKeys {\n        ...ApiKeyFields\n      }\n    }\n  }\n": typeof types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        ...ApiKeyFields\n      }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($input: RevokeApiKeyInput!) {\n    revokeApiKey(input: $input) {\n      id\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  fragment ThumbPhoto on Photo {\n    id\n    imageUrl\n    thumbnailUrl\n    width\n    height\n    voteCount\n    postedBy {\n      id\n      handle\n    }\n  }\n": typeof types.ThumbPhotoFragmentDoc,
    "\n  query FrontPhotos {\n    photos(first: 12) {\n      nodes {\n        ...ThumbPhoto\n      }\n    }\n    topPhotos(questionKey: \"attractive\", first: 12) {\n      nodes {\n        ...ThumbPhoto\n      }\n    }\n  }\n": typeof types.FrontPhotosDocument,
    "\n  fragment JudgePhoto on Photo {\n    id\n    imageUrl\n    width\n    height\n    survey {\n      ...QuestionFields\n    }\n  }\n": typeof types.JudgePhotoFragmentDoc,
    "\n  query NextPhoto($skip: [ID!]) {\n    nextPhoto(skip: $skip) {\n      ...JudgePhoto\n    }\n  }\n": typeof types.NextPhotoDocument,
    "\n  mutation CastVote($input: CastVoteInput!) {\n    castVote(input: $input) {\n      photo {\n        id\n        voteCount\n        viewerHasVoted\n        stats {\n          ...GlimpseStats\n        }\n      }\n      next {\n        ...JudgePhoto\n      }\n    }\n  }\n": typeof types.CastVoteDocument,
    "\n  query ViewerKarma {\n    viewer {\n      id\n      karma\n    }\n  }\n": typeof types.ViewerKarmaDocument,
    "\n  mutation SkipPhoto($input: SkipPhotoInput!) {\n    skipPhoto(input: $input) {\n      photoId\n      next {\n        ...JudgePhoto\n      }\n    }\n  }\n": typeof types.SkipPhotoDocument,
    "\n  fragment GlimpseStats on PhotoStats {\n    id\n    version\n    voteCount\n    questions {\n      question {\n        id\n        key\n        prompt\n        kind\n      }\n      count\n      mean\n      yesShare\n      histogram {\n        value\n        count\n      }\n      words {\n        word\n        count\n      }\n    }\n  }\n": typeof types.GlimpseStatsFragmentDoc,
    "\n  fragment ModerationQueueItemFields on ModerationQueueItem {\n    photo {\n      id\n      thumbnailUrl\n      isPublic\n    }\n    moderationState\n    reportCount\n    countedReports\n    reportedAt\n    reports {\n      id\n      reason\n      note\n      counted\n      createdAt\n      reporter {\n        id\n        handle\n      }\n    }\n  }\n": typeof types.ModerationQueueItemFieldsFragmentDoc,
    "\n  fragment ModerationLogEntryFields on ModerationLogEntry {\n    id\n    actor\n    action\n    photoId\n    ownerId\n    note\n    createdAt\n  }\n": typeof types.ModerationLogEntryFieldsFragmentDoc,
    "\n  query ModerationQueue($first: Int!) {\n    moderationQueue(first: $first) {\n      nodes {\n        ...ModerationQueueItemFields\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.ModerationQueueDocument,
    "\n  query ModerationLog($first: Int!) {\n    moderationLog(first: $first) {\n      nodes {\n        ...ModerationLogEntryFields\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.ModerationLogDocument,
    "\n  mutation ModeratePhoto($input: ModeratePhotoInput!) {\n    moderatePhoto(input: $input) {\n      entry {\n        ...ModerationLogEntryFields\n      }\n      photo {\n        id\n        moderationState\n      }\n    }\n  }\n": typeof types.ModeratePhotoDocument,
    "\n  query ModeratorCheck {\n    moderationQueue(first: 1) {\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": typeof types.ModeratorCheckDocument,
    "\n  mutation ReportPhoto($input: ReportPhotoInput!) {\n    reportPhoto(input: $input) {\n      photoId\n      next {\n        ...JudgePhoto\n      }\n    }\n  }\n": typeof types.ReportPhotoDocument,
    "\n  query ComparePhotos($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      ... on Photo {\n        id\n        thumbnailUrl\n        width\n        height\n        createdAt\n        voteCount\n        stats {\n          id\n          version\n          questions {\n            question {\n              ...QuestionFields\n            }\n            count\n            mean\n            adjustedMean\n            interval {\n              low\n              high\n              level\n            }\n            yesShare\n            words {\n              word\n              count\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.ComparePhotosDocument,
    "\n  query MyPhotos {\n    viewer {\n      id\n      isAnonymous\n      votesCast\n      karma\n      user {\n        id\n        handle\n      }\n      photos(first: 100) {\n        nodes {\n          id\n          thumbnailUrl\n          width\n          height\n          isPublic\n          voteCount\n          createdAt\n        }\n      }\n    }\n  }\n": typeof types.MyPhotosDocument,
    "\n  query PhotoResults($id: ID!) {\n    viewer {\n      id\n      user {\n        id\n      }\n    }\n    photo(id: $id) {\n      id\n      imageUrl\n      width\n      height\n      createdAt\n      isPublic\n      voteCount\n      viewerCanSeeStats\n      postedBy {\n        id\n        handle\n      }\n      stats {\n        ...ResultsStats\n      }\n    }\n  }\n": typeof types.PhotoResultsDocument,
    "\n  subscription PhotoStatsLive($photoId: ID!) {\n    photoStats(photoId: $photoId) {\n      ...ResultsStats\n      photo {\n        id\n        voteCount\n      }\n    }\n  }\n": typeof types.PhotoStatsLiveDocument,
    "\n  mutation SetPhotoVisibility($input: SetPhotoVisibilityInput!) {\n    setPhotoVisibility(input: $input) {\n      photo {\n        id\n        isPublic\n      }\n    }\n  }\n": typeof types.SetPhotoVisibilityDocument,
    "\n  mutation DeletePhoto($input: DeletePhotoInput!) {\n    deletePhoto(input: $input) {\n      deletedPhotoId\n    }\n  }\n": typeof types.DeletePhotoDocument,
    "\n  fragment QuestionFields on Question {\n    id\n    key\n    prompt\n    kind\n    min\n    max\n  }\n": typeof types.QuestionFieldsFragmentDoc,
    "\n  fragment ResultsStats on PhotoStats {\n    id\n    version\n    voteCount\n    updatedAt\n    questions {\n      question {\n        ...QuestionFields\n      }\n      count\n      mean\n      adjustedMean\n      median\n      stddev\n      interval {\n        low\n        high\n        level\n      }\n      yesShare\n      histogram {\n        value\n        count\n      }\n      words {\n        word\n        count\n      }\n      percentile\n      stable\n    }\n  }\n": typeof types.ResultsStatsFragmentDoc,
    "\n  fragment ViewerFields on Viewer {\n    id\n    isAnonymous\n    votesCast\n    karma\n    user {\n      id\n      handle\n    }\n  }\n": typeof types.ViewerFieldsFragmentDoc,
    "\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  mutation StartAnonymousSession {\n    startAnonymousSession(input: { cookie: true }) {\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": typeof types.StartAnonymousSessionDocument,
    "\n  query TopQuestions {\n    questions {\n      id\n      key\n      prompt\n      kind\n    }\n  }\n": typeof types.TopQuestionsDocument,
    "\n  query TopPhotos($key: String!) {\n    topPhotos(questionKey: $key, first: 24) {\n      nodes {\n        ...ThumbPhoto\n        stats {\n          id\n          questions {\n            question {\n              id\n              key\n            }\n            count\n            interval {\n              low\n              high\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.TopPhotosDocument,
    "\n  mutation UploadPhoto($input: UploadPhotoInput!) {\n    uploadPhoto(input: $input) {\n      photo {\n        id\n        imageUrl\n        thumbnailUrl\n        width\n        height\n        isPublic\n        voteCount\n        createdAt\n      }\n    }\n  }\n": typeof types.UploadPhotoDocument,
};
const documents: Documents = {
    "\n  mutation SignOut {\n    signOut {\n      ok\n    }\n  }\n": types.SignOutDocument,
    "\n  fragment AccountSessionFields on AccountSession {\n    id\n    current\n    createdAt\n    expiresAt\n    userAgent\n  }\n": types.AccountSessionFieldsFragmentDoc,
    "\n  query AccountSessions {\n    viewer {\n      id\n      sessions {\n        ...AccountSessionFields\n      }\n    }\n  }\n": types.AccountSessionsDocument,
    "\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input) {\n      endedSessions\n      viewer {\n        id\n        sessions {\n          ...AccountSessionFields\n        }\n      }\n    }\n  }\n": types.ChangePasswordDocument,
    "\n  mutation SignOutOtherSessions {\n    signOutOtherSessions {\n      endedSessions\n    }\n  }\n": types.SignOutOtherSessionsDocument,
    "\n  mutation ExportMyData {\n    exportMyData {\n      url\n      ready\n      expiresAt\n    }\n  }\n": types.ExportMyDataDocument,
    "\n  mutation DeleteAccount($input: DeleteAccountInput!) {\n    deleteAccount(input: $input) {\n      ok\n    }\n  }\n": types.DeleteAccountDocument,
    "\n  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n    requestPasswordReset(input: $input) {\n      ok\n    }\n  }\n": types.RequestPasswordResetDocument,
    "\n  mutation ResetPassword($input: ResetPasswordInput!) {\n    resetPassword(input: $input) {\n      ok\n    }\n  }\n": types.ResetPasswordDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": types.SignUpDocument,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": types.SignInDocument,
    "\n  mutation ConfirmPhotoConsent($input: ConfirmPhotoConsentInput!) {\n    confirmPhotoConsent(input: $input) {\n      photo {\n        ...OwnerPhotoStatusFields\n      }\n    }\n  }\n": types.ConfirmPhotoConsentDocument,
    "\n  fragment OwnerPhotoStatusFields on Photo {\n    id\n    moderationState\n    consent {\n      showsMe\n      adult\n      acceptsJudging\n      givenAt\n    }\n  }\n": types.OwnerPhotoStatusFieldsFragmentDoc,
    "\n  query PhotoOwnerStatus($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ...OwnerPhotoStatusFields\n    }\n  }\n": types.PhotoOwnerStatusDocument,
    "\n  query MyPhotosStatus($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n      ...OwnerPhotoStatusFields\n    }\n  }\n": types.MyPhotosStatusDocument,
    "\n  fragment ApiKeyFields on ApiKey {\n    id\n    name\n    scopes\n    createdAt\n    lastUsedAt\n  }\n": types.ApiKeyFieldsFragmentDoc,
    "\n  query ApiKeys {\n    viewer {\n      id\n      apiKeys {\n        ...ApiKeyFields\n      }\n    }\n  }\n": types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        ...ApiKeyFields\n      }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($input: RevokeApiKeyInput!) {\n    revokeApiKey(input: $input) {\n      id\n    }\n  }\n": types.RevokeApiKeyDocument,
    "\n  fragment ThumbPhoto on Photo {\n    id\n    imageUrl\n    thumbnailUrl\n    width\n    height\n    voteCount\n    postedBy {\n      id\n      handle\n    }\n  }\n": types.ThumbPhotoFragmentDoc,
    "\n  query FrontPhotos {\n    photos(first: 12) {\n      nodes {\n        ...ThumbPhoto\n      }\n    }\n    topPhotos(questionKey: \"attractive\", first: 12) {\n      nodes {\n        ...ThumbPhoto\n      }\n    }\n  }\n": types.FrontPhotosDocument,
    "\n  fragment JudgePhoto on Photo {\n    id\n    imageUrl\n    width\n    height\n    survey {\n      ...QuestionFields\n    }\n  }\n": types.JudgePhotoFragmentDoc,
    "\n  query NextPhoto($skip: [ID!]) {\n    nextPhoto(skip: $skip) {\n      ...JudgePhoto\n    }\n  }\n": types.NextPhotoDocument,
    "\n  mutation CastVote($input: CastVoteInput!) {\n    castVote(input: $input) {\n      photo {\n        id\n        voteCount\n        viewerHasVoted\n        stats {\n          ...GlimpseStats\n        }\n      }\n      next {\n        ...JudgePhoto\n      }\n    }\n  }\n": types.CastVoteDocument,
    "\n  query ViewerKarma {\n    viewer {\n      id\n      karma\n    }\n  }\n": types.ViewerKarmaDocument,
    "\n  mutation SkipPhoto($input: SkipPhotoInput!) {\n    skipPhoto(input: $input) {\n      photoId\n      next {\n        ...JudgePhoto\n      }\n    }\n  }\n": types.SkipPhotoDocument,
    "\n  fragment GlimpseStats on PhotoStats {\n    id\n    version\n    voteCount\n    questions {\n      question {\n        id\n        key\n        prompt\n        kind\n      }\n      count\n      mean\n      yesShare\n      histogram {\n        value\n        count\n      }\n      words {\n        word\n        count\n      }\n    }\n  }\n": types.GlimpseStatsFragmentDoc,
    "\n  fragment ModerationQueueItemFields on ModerationQueueItem {\n    photo {\n      id\n      thumbnailUrl\n      isPublic\n    }\n    moderationState\n    reportCount\n    countedReports\n    reportedAt\n    reports {\n      id\n      reason\n      note\n      counted\n      createdAt\n      reporter {\n        id\n        handle\n      }\n    }\n  }\n": types.ModerationQueueItemFieldsFragmentDoc,
    "\n  fragment ModerationLogEntryFields on ModerationLogEntry {\n    id\n    actor\n    action\n    photoId\n    ownerId\n    note\n    createdAt\n  }\n": types.ModerationLogEntryFieldsFragmentDoc,
    "\n  query ModerationQueue($first: Int!) {\n    moderationQueue(first: $first) {\n      nodes {\n        ...ModerationQueueItemFields\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.ModerationQueueDocument,
    "\n  query ModerationLog($first: Int!) {\n    moderationLog(first: $first) {\n      nodes {\n        ...ModerationLogEntryFields\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.ModerationLogDocument,
    "\n  mutation ModeratePhoto($input: ModeratePhotoInput!) {\n    moderatePhoto(input: $input) {\n      entry {\n        ...ModerationLogEntryFields\n      }\n      photo {\n        id\n        moderationState\n      }\n    }\n  }\n": types.ModeratePhotoDocument,
    "\n  query ModeratorCheck {\n    moderationQueue(first: 1) {\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n": types.ModeratorCheckDocument,
    "\n  mutation ReportPhoto($input: ReportPhotoInput!) {\n    reportPhoto(input: $input) {\n      photoId\n      next {\n        ...JudgePhoto\n      }\n    }\n  }\n": types.ReportPhotoDocument,
    "\n  query ComparePhotos($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      ... on Photo {\n        id\n        thumbnailUrl\n        width\n        height\n        createdAt\n        voteCount\n        stats {\n          id\n          version\n          questions {\n            question {\n              ...QuestionFields\n            }\n            count\n            mean\n            adjustedMean\n            interval {\n              low\n              high\n              level\n            }\n            yesShare\n            words {\n              word\n              count\n            }\n          }\n        }\n      }\n    }\n  }\n": types.ComparePhotosDocument,
    "\n  query MyPhotos {\n    viewer {\n      id\n      isAnonymous\n      votesCast\n      karma\n      user {\n        id\n        handle\n      }\n      photos(first: 100) {\n        nodes {\n          id\n          thumbnailUrl\n          width\n          height\n          isPublic\n          voteCount\n          createdAt\n        }\n      }\n    }\n  }\n": types.MyPhotosDocument,
    "\n  query PhotoResults($id: ID!) {\n    viewer {\n      id\n      user {\n        id\n      }\n    }\n    photo(id: $id) {\n      id\n      imageUrl\n      width\n      height\n      createdAt\n      isPublic\n      voteCount\n      viewerCanSeeStats\n      postedBy {\n        id\n        handle\n      }\n      stats {\n        ...ResultsStats\n      }\n    }\n  }\n": types.PhotoResultsDocument,
    "\n  subscription PhotoStatsLive($photoId: ID!) {\n    photoStats(photoId: $photoId) {\n      ...ResultsStats\n      photo {\n        id\n        voteCount\n      }\n    }\n  }\n": types.PhotoStatsLiveDocument,
    "\n  mutation SetPhotoVisibility($input: SetPhotoVisibilityInput!) {\n    setPhotoVisibility(input: $input) {\n      photo {\n        id\n        isPublic\n      }\n    }\n  }\n": types.SetPhotoVisibilityDocument,
    "\n  mutation DeletePhoto($input: DeletePhotoInput!) {\n    deletePhoto(input: $input) {\n      deletedPhotoId\n    }\n  }\n": types.DeletePhotoDocument,
    "\n  fragment QuestionFields on Question {\n    id\n    key\n    prompt\n    kind\n    min\n    max\n  }\n": types.QuestionFieldsFragmentDoc,
    "\n  fragment ResultsStats on PhotoStats {\n    id\n    version\n    voteCount\n    updatedAt\n    questions {\n      question {\n        ...QuestionFields\n      }\n      count\n      mean\n      adjustedMean\n      median\n      stddev\n      interval {\n        low\n        high\n        level\n      }\n      yesShare\n      histogram {\n        value\n        count\n      }\n      words {\n        word\n        count\n      }\n      percentile\n      stable\n    }\n  }\n": types.ResultsStatsFragmentDoc,
    "\n  fragment ViewerFields on Viewer {\n    id\n    isAnonymous\n    votesCast\n    karma\n    user {\n      id\n      handle\n    }\n  }\n": types.ViewerFieldsFragmentDoc,
    "\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n": types.ViewerDocument,
    "\n  mutation StartAnonymousSession {\n    startAnonymousSession(input: { cookie: true }) {\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": types.StartAnonymousSessionDocument,
    "\n  query TopQuestions {\n    questions {\n      id\n      key\n      prompt\n      kind\n    }\n  }\n": types.TopQuestionsDocument,
    "\n  query TopPhotos($key: String!) {\n    topPhotos(questionKey: $key, first: 24) {\n      nodes {\n        ...ThumbPhoto\n        stats {\n          id\n          questions {\n            question {\n              id\n              key\n            }\n            count\n            interval {\n              low\n              high\n            }\n          }\n        }\n      }\n    }\n  }\n": types.TopPhotosDocument,
    "\n  mutation UploadPhoto($input: UploadPhotoInput!) {\n    uploadPhoto(input: $input) {\n      photo {\n        id\n        imageUrl\n        thumbnailUrl\n        width\n        height\n        isPublic\n        voteCount\n        createdAt\n      }\n    }\n  }\n": types.UploadPhotoDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut {\n    signOut {\n      ok\n    }\n  }\n"): (typeof documents)["\n  mutation SignOut {\n    signOut {\n      ok\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AccountSessionFields on AccountSession {\n    id\n    current\n    createdAt\n    expiresAt\n    userAgent\n  }\n"): (typeof documents)["\n  fragment AccountSessionFields on AccountSession {\n    id\n    current\n    createdAt\n    expiresAt\n    userAgent\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AccountSessions {\n    viewer {\n      id\n      sessions {\n        ...AccountSessionFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query AccountSessions {\n    viewer {\n      id\n      sessions {\n        ...AccountSessionFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input) {\n      endedSessions\n      viewer {\n        id\n        sessions {\n          ...AccountSessionFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input) {\n      endedSessions\n      viewer {\n        id\n        sessions {\n          ...AccountSessionFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOutOtherSessions {\n    signOutOtherSessions {\n      endedSessions\n    }\n  }\n"): (typeof documents)["\n  mutation SignOutOtherSessions {\n    signOutOtherSessions {\n      endedSessions\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ExportMyData {\n    exportMyData {\n      url\n      ready\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation ExportMyData {\n    exportMyData {\n      url\n      ready\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteAccount($input: DeleteAccountInput!) {\n    deleteAccount(input: $input) {\n      ok\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteAccount($input: DeleteAccountInput!) {\n    deleteAccount(input: $input) {\n      ok\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n    requestPasswordReset(input: $input) {\n      ok\n    }\n  }\n"): (typeof documents)["\n  mutation RequestPasswordReset($input: RequestPasswordResetInput!) {\n    requestPasswordReset(input: $input) {\n      ok\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetPassword($input: ResetPasswordInput!) {\n    resetPassword(input: $input) {\n      ok\n    }\n  }\n"): (typeof documents)["\n  mutation ResetPassword($input: ResetPasswordInput!) {\n    resetPassword(input: $input) {\n      ok\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmPhotoConsent($input: ConfirmPhotoConsentInput!) {\n    confirmPhotoConsent(input: $input) {\n      photo {\n        ...OwnerPhotoStatusFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ConfirmPhotoConsent($input: ConfirmPhotoConsentInput!) {\n    confirmPhotoConsent(input: $input) {\n      photo {\n        ...OwnerPhotoStatusFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OwnerPhotoStatusFields on Photo {\n    id\n    moderationState\n    consent {\n      showsMe\n      adult\n      acceptsJudging\n      givenAt\n    }\n  }\n"): (typeof documents)["\n  fragment OwnerPhotoStatusFields on Photo {\n    id\n    moderationState\n    consent {\n      showsMe\n      adult\n      acceptsJudging\n      givenAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PhotoOwnerStatus($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ...OwnerPhotoStatusFields\n    }\n  }\n"): (typeof documents)["\n  query PhotoOwnerStatus($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ...OwnerPhotoStatusFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyPhotosStatus($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n      ...OwnerPhotoStatusFields\n    }\n  }\n"): (typeof documents)["\n  query MyPhotosStatus($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      id\n      ...OwnerPhotoStatusFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ApiKeyFields on ApiKey {\n    id\n    name\n    scopes\n    createdAt\n    lastUsedAt\n  }\n"): (typeof documents)["\n  fragment ApiKeyFields on ApiKey {\n    id\n    name\n    scopes\n    createdAt\n    lastUsedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiKeys {\n    viewer {\n      id\n      apiKeys {\n        ...ApiKeyFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query ApiKeys {\n    viewer {\n      id\n      apiKeys {\n        ...ApiKeyFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        ...ApiKeyFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      key\n      apiKey {\n        ...ApiKeyFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($input: RevokeApiKeyInput!) {\n    revokeApiKey(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiKey($input: RevokeApiKeyInput!) {\n    revokeApiKey(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ThumbPhoto on Photo {\n    id\n    imageUrl\n    thumbnailUrl\n    width\n    height\n    voteCount\n    postedBy {\n      id\n      handle\n    }\n  }\n"): (typeof documents)["\n  fragment ThumbPhoto on Photo {\n    id\n    imageUrl\n    thumbnailUrl\n    width\n    height\n    voteCount\n    postedBy {\n      id\n      handle\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FrontPhotos {\n    photos(first: 12) {\n      nodes {\n        ...ThumbPhoto\n      }\n    }\n    topPhotos(questionKey: \"attractive\", first: 12) {\n      nodes {\n        ...ThumbPhoto\n      }\n    }\n  }\n"): (typeof documents)["\n  query FrontPhotos {\n    photos(first: 12) {\n      nodes {\n        ...ThumbPhoto\n      }\n    }\n    topPhotos(questionKey: \"attractive\", first: 12) {\n      nodes {\n        ...ThumbPhoto\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment JudgePhoto on Photo {\n    id\n    imageUrl\n    width\n    height\n    survey {\n      ...QuestionFields\n    }\n  }\n"): (typeof documents)["\n  fragment JudgePhoto on Photo {\n    id\n    imageUrl\n    width\n    height\n    survey {\n      ...QuestionFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NextPhoto($skip: [ID!]) {\n    nextPhoto(skip: $skip) {\n      ...JudgePhoto\n    }\n  }\n"): (typeof documents)["\n  query NextPhoto($skip: [ID!]) {\n    nextPhoto(skip: $skip) {\n      ...JudgePhoto\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CastVote($input: CastVoteInput!) {\n    castVote(input: $input) {\n      photo {\n        id\n        voteCount\n        viewerHasVoted\n        stats {\n          ...GlimpseStats\n        }\n      }\n      next {\n        ...JudgePhoto\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CastVote($input: CastVoteInput!) {\n    castVote(input: $input) {\n      photo {\n        id\n        voteCount\n        viewerHasVoted\n        stats {\n          ...GlimpseStats\n        }\n      }\n      next {\n        ...JudgePhoto\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ViewerKarma {\n    viewer {\n      id\n      karma\n    }\n  }\n"): (typeof documents)["\n  query ViewerKarma {\n    viewer {\n      id\n      karma\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SkipPhoto($input: SkipPhotoInput!) {\n    skipPhoto(input: $input) {\n      photoId\n      next {\n        ...JudgePhoto\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SkipPhoto($input: SkipPhotoInput!) {\n    skipPhoto(input: $input) {\n      photoId\n      next {\n        ...JudgePhoto\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment GlimpseStats on PhotoStats {\n    id\n    version\n    voteCount\n    questions {\n      question {\n        id\n        key\n        prompt\n        kind\n      }\n      count\n      mean\n      yesShare\n      histogram {\n        value\n        count\n      }\n      words {\n        word\n        count\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment GlimpseStats on PhotoStats {\n    id\n    version\n    voteCount\n    questions {\n      question {\n        id\n        key\n        prompt\n        kind\n      }\n      count\n      mean\n      yesShare\n      histogram {\n        value\n        count\n      }\n      words {\n        word\n        count\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ModerationQueueItemFields on ModerationQueueItem {\n    photo {\n      id\n      thumbnailUrl\n      isPublic\n    }\n    moderationState\n    reportCount\n    countedReports\n    reportedAt\n    reports {\n      id\n      reason\n      note\n      counted\n      createdAt\n      reporter {\n        id\n        handle\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment ModerationQueueItemFields on ModerationQueueItem {\n    photo {\n      id\n      thumbnailUrl\n      isPublic\n    }\n    moderationState\n    reportCount\n    countedReports\n    reportedAt\n    reports {\n      id\n      reason\n      note\n      counted\n      createdAt\n      reporter {\n        id\n        handle\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ModerationLogEntryFields on ModerationLogEntry {\n    id\n    actor\n    action\n    photoId\n    ownerId\n    note\n    createdAt\n  }\n"): (typeof documents)["\n  fragment ModerationLogEntryFields on ModerationLogEntry {\n    id\n    actor\n    action\n    photoId\n    ownerId\n    note\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModerationQueue($first: Int!) {\n    moderationQueue(first: $first) {\n      nodes {\n        ...ModerationQueueItemFields\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query ModerationQueue($first: Int!) {\n    moderationQueue(first: $first) {\n      nodes {\n        ...ModerationQueueItemFields\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModerationLog($first: Int!) {\n    moderationLog(first: $first) {\n      nodes {\n        ...ModerationLogEntryFields\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query ModerationLog($first: Int!) {\n    moderationLog(first: $first) {\n      nodes {\n        ...ModerationLogEntryFields\n      }\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ModeratePhoto($input: ModeratePhotoInput!) {\n    moderatePhoto(input: $input) {\n      entry {\n        ...ModerationLogEntryFields\n      }\n      photo {\n        id\n        moderationState\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ModeratePhoto($input: ModeratePhotoInput!) {\n    moderatePhoto(input: $input) {\n      entry {\n        ...ModerationLogEntryFields\n      }\n      photo {\n        id\n        moderationState\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModeratorCheck {\n    moderationQueue(first: 1) {\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query ModeratorCheck {\n    moderationQueue(first: 1) {\n      pageInfo {\n        hasNextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportPhoto($input: ReportPhotoInput!) {\n    reportPhoto(input: $input) {\n      photoId\n      next {\n        ...JudgePhoto\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ReportPhoto($input: ReportPhotoInput!) {\n    reportPhoto(input: $input) {\n      photoId\n      next {\n        ...JudgePhoto\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ComparePhotos($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      ... on Photo {\n        id\n        thumbnailUrl\n        width\n        height\n        createdAt\n        voteCount\n        stats {\n          id\n          version\n          questions {\n            question {\n              ...QuestionFields\n            }\n            count\n            mean\n            adjustedMean\n            interval {\n              low\n              high\n              level\n            }\n            yesShare\n            words {\n              word\n              count\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ComparePhotos($ids: [ID!]!) {\n    nodes(ids: $ids) {\n      __typename\n      ... on Photo {\n        id\n        thumbnailUrl\n        width\n        height\n        createdAt\n        voteCount\n        stats {\n          id\n          version\n          questions {\n            question {\n              ...QuestionFields\n            }\n            count\n            mean\n            adjustedMean\n            interval {\n              low\n              high\n              level\n            }\n            yesShare\n            words {\n              word\n              count\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyPhotos {\n    viewer {\n      id\n      isAnonymous\n      votesCast\n      karma\n      user {\n        id\n        handle\n      }\n      photos(first: 100) {\n        nodes {\n          id\n          thumbnailUrl\n          width\n          height\n          isPublic\n          voteCount\n          createdAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyPhotos {\n    viewer {\n      id\n      isAnonymous\n      votesCast\n      karma\n      user {\n        id\n        handle\n      }\n      photos(first: 100) {\n        nodes {\n          id\n          thumbnailUrl\n          width\n          height\n          isPublic\n          voteCount\n          createdAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PhotoResults($id: ID!) {\n    viewer {\n      id\n      user {\n        id\n      }\n    }\n    photo(id: $id) {\n      id\n      imageUrl\n      width\n      height\n      createdAt\n      isPublic\n      voteCount\n      viewerCanSeeStats\n      postedBy {\n        id\n        handle\n      }\n      stats {\n        ...ResultsStats\n      }\n    }\n  }\n"): (typeof documents)["\n  query PhotoResults($id: ID!) {\n    viewer {\n      id\n      user {\n        id\n      }\n    }\n    photo(id: $id) {\n      id\n      imageUrl\n      width\n      height\n      createdAt\n      isPublic\n      voteCount\n      viewerCanSeeStats\n      postedBy {\n        id\n        handle\n      }\n      stats {\n        ...ResultsStats\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PhotoStatsLive($photoId: ID!) {\n    photoStats(photoId: $photoId) {\n      ...ResultsStats\n      photo {\n        id\n        voteCount\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription PhotoStatsLive($photoId: ID!) {\n    photoStats(photoId: $photoId) {\n      ...ResultsStats\n      photo {\n        id\n        voteCount\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetPhotoVisibility($input: SetPhotoVisibilityInput!) {\n    setPhotoVisibility(input: $input) {\n      photo {\n        id\n        isPublic\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SetPhotoVisibility($input: SetPhotoVisibilityInput!) {\n    setPhotoVisibility(input: $input) {\n      photo {\n        id\n        isPublic\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeletePhoto($input: DeletePhotoInput!) {\n    deletePhoto(input: $input) {\n      deletedPhotoId\n    }\n  }\n"): (typeof documents)["\n  mutation DeletePhoto($input: DeletePhotoInput!) {\n    deletePhoto(input: $input) {\n      deletedPhotoId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment QuestionFields on Question {\n    id\n    key\n    prompt\n    kind\n    min\n    max\n  }\n"): (typeof documents)["\n  fragment QuestionFields on Question {\n    id\n    key\n    prompt\n    kind\n    min\n    max\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ResultsStats on PhotoStats {\n    id\n    version\n    voteCount\n    updatedAt\n    questions {\n      question {\n        ...QuestionFields\n      }\n      count\n      mean\n      adjustedMean\n      median\n      stddev\n      interval {\n        low\n        high\n        level\n      }\n      yesShare\n      histogram {\n        value\n        count\n      }\n      words {\n        word\n        count\n      }\n      percentile\n      stable\n    }\n  }\n"): (typeof documents)["\n  fragment ResultsStats on PhotoStats {\n    id\n    version\n    voteCount\n    updatedAt\n    questions {\n      question {\n        ...QuestionFields\n      }\n      count\n      mean\n      adjustedMean\n      median\n      stddev\n      interval {\n        low\n        high\n        level\n      }\n      yesShare\n      histogram {\n        value\n        count\n      }\n      words {\n        word\n        count\n      }\n      percentile\n      stable\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ViewerFields on Viewer {\n    id\n    isAnonymous\n    votesCast\n    karma\n    user {\n      id\n      handle\n    }\n  }\n"): (typeof documents)["\n  fragment ViewerFields on Viewer {\n    id\n    isAnonymous\n    votesCast\n    karma\n    user {\n      id\n      handle\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      ...ViewerFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartAnonymousSession {\n    startAnonymousSession(input: { cookie: true }) {\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation StartAnonymousSession {\n    startAnonymousSession(input: { cookie: true }) {\n      expiresAt\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TopQuestions {\n    questions {\n      id\n      key\n      prompt\n      kind\n    }\n  }\n"): (typeof documents)["\n  query TopQuestions {\n    questions {\n      id\n      key\n      prompt\n      kind\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TopPhotos($key: String!) {\n    topPhotos(questionKey: $key, first: 24) {\n      nodes {\n        ...ThumbPhoto\n        stats {\n          id\n          questions {\n            question {\n              id\n              key\n            }\n            count\n            interval {\n              low\n              high\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query TopPhotos($key: String!) {\n    topPhotos(questionKey: $key, first: 24) {\n      nodes {\n        ...ThumbPhoto\n        stats {\n          id\n          questions {\n            question {\n              id\n              key\n            }\n            count\n            interval {\n              low\n              high\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UploadPhoto($input: UploadPhotoInput!) {\n    uploadPhoto(input: $input) {\n      photo {\n        id\n        imageUrl\n        thumbnailUrl\n        width\n        height\n        isPublic\n        voteCount\n        createdAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UploadPhoto($input: UploadPhotoInput!) {\n    uploadPhoto(input: $input) {\n      photo {\n        id\n        imageUrl\n        thumbnailUrl\n        width\n        height\n        isPublic\n        voteCount\n        createdAt\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;